/**
 * A table that renders only the rows in view (plus a margin), so 100,000 results scroll
 * as smoothly as 100: fixed row height, one absolutely positioned slice inside a spacer
 * as tall as all rows. Rows are keyed by leaf so scrolling reuses DOM nodes.
 */
import { useRef, useState, useEffect } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  key: string;
  title: string;
  width: string;
  render: (row: T) => ComponentChildren;
}

const ROW_HEIGHT = 28;
const OVERSCAN = 12;

export function VirtualTable<T extends { leaf: number }>(props: { rows: T[]; columns: Column<T>[]; onOpen: (row: T) => void; height?: number }) {
  const { rows, columns, onOpen } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(props.height ?? 600);
  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const template = columns.map((c) => c.width).join(' ');
  return (
    <div class="vtable" role="table" aria-rowcount={rows.length}>
      <div class="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
        {columns.map((c) => (
          <div role="columnheader" key={c.key}>
            {c.title}
          </div>
        ))}
      </div>
      <div class="vtable-body" ref={viewport} data-testid="results" onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}>
        <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
          <div style={{ transform: `translateY(${first * ROW_HEIGHT}px)` }}>
            {rows.slice(first, last).map((row) => (
              <div class="vtable-row" role="row" key={row.leaf} data-leaf={row.leaf} style={{ gridTemplateColumns: template, height: `${ROW_HEIGHT}px` }} onClick={() => onOpen(row)}>
                {columns.map((c) => (
                  <div role="cell" key={c.key}>
                    {c.render(row)}
                  </div>
                ))}
              </div>
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}
