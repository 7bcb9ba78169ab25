/**
 * A table that renders only the rows in view (plus a margin), so 100,000 results scroll
 * as smoothly as 100: fixed row height, rows placed absolutely inside a spacer as tall as
 * all rows.
 *
 * What keeps frames short: the rendered range moves in steps of STEP rows (a scroll of a
 * few pixels renders nothing; the browser only scrolls); each rendered row is keyed by its
 * index modulo the number rendered, so a row scrolling out hands its DOM nodes to the one
 * scrolling in (new text and a new `top`, no new nodes, and the children keep their
 * order); a row renders again only when its data changes; and rows are `contain: strict`
 * so changing one lays out that row alone.
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
  /** The row's index among all rows: where it is placed. */
  index: number;
  columns: Column<T>[];
  template: string;
  onOpen: (row: T) => void;
}

/** One row; skips rendering when nothing it shows changed. */
class Row<T extends { leaf: number }> extends Component<RowProps<T>> {
  shouldComponentUpdate(next: RowProps<T>): boolean {
    return next.row !== this.props.row || next.index !== this.props.index || next.columns !== this.props.columns || next.template !== this.props.template;
  }

  render() {
    const { row, index, columns, template, onOpen } = this.props;
    return (
      <div class="vtable-row" role="row" aria-rowindex={index + 2} data-leaf={row.leaf} style={{ gridTemplateColumns: template, height: `${ROW_HEIGHT}px`, transform: `translateY(${index * ROW_HEIGHT}px)` }} onClick={() => onOpen(this.props.row)}>
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
          {slots(first, last).map((i) => (
            <Row key={i % (last - first)} row={rows[i]} index={i} columns={columns} template={template} onOpen={onOpen} />
          ))}
        </div>
      </div>
    </div>
  );
}

/** The indexes [first, last) in the order of their keys (index modulo the count), so the children never change order. */
function slots(first: number, last: number): number[] {
  const n = last - first;
  const out = new Array<number>(n);
  for (let i = first; i < last; i++) out[i % n] = i;
  return out;
}
