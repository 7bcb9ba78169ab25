/**
 * A table that renders only the rows in view (plus a margin), so 100,000 results scroll
 * as smoothly as 100: fixed row height, one absolutely positioned slice inside a spacer
 * as tall as all rows.
 *
 * What keeps frames short: the slice moves in steps of STEP rows (a scroll of a few pixels
 * renders nothing; the browser only scrolls), each row is a component that renders again
 * only when its data changes (a step adds and removes STEP rows, the others stay), and the
 * body is `contain: strict` so a step lays out the table alone.
 */
import { Component, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  title: string;
  width: string;
  render: (row: T) => ComponentChildren;
}

const ROW_HEIGHT = 28;
const STEP = 8;
const OVERSCAN = 16;

interface RowProps<T> {
  row: T;
  columns: Column<T>[];
  template: string;
  onOpen: (row: T) => void;
}

/** One row; skips rendering when nothing it shows changed. */
class Row<T extends { leaf: number }> extends Component<RowProps<T>> {
  shouldComponentUpdate(next: RowProps<T>): boolean {
    return next.row !== this.props.row || next.columns !== this.props.columns || next.template !== this.props.template;
  }

  render() {
    const { row, columns, template, onOpen } = this.props;
    return (
      <div class="vtable-row" role="row" data-leaf={row.leaf} style={{ gridTemplateColumns: template, height: `${ROW_HEIGHT}px` }} onClick={() => onOpen(row)}>
        {columns.map((c) => (
          <div role="cell" key={c.key}>
            {c.render(row)}
          </div>
        ))}
      </div>
    );
  }
}

export function VirtualTable<T extends { leaf: number }>(props: { rows: T[]; columns: Column<T>[]; onOpen: (row: T) => void; height?: number }) {
  const { rows, columns, onOpen } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [start, setStart] = useState(0);
  const startRef = useRef(0);
  const [height, setHeight] = useState(props.height ?? 600);
  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const onScroll = (e: Event) => {
    const top = (e.currentTarget as HTMLDivElement).scrollTop;
    const step = Math.floor(top / ROW_HEIGHT / STEP) * STEP;
    if (step !== startRef.current) {
      startRef.current = step;
      setStart(step);
    }
  };
  const first = Math.max(0, start - OVERSCAN);
  const last = Math.min(rows.length, start + Math.ceil(height / ROW_HEIGHT) + STEP + OVERSCAN);
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
      <div class="vtable-body" ref={viewport} data-testid="results" onScroll={onScroll}>
        <div style={{ height: `${rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
          <div class="vtable-slice" style={{ transform: `translateY(${first * ROW_HEIGHT}px)` }}>
            {rows.slice(first, last).map((row) => (
              <Row key={row.leaf} row={row} columns={columns} template={template} onOpen={onOpen} />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}
