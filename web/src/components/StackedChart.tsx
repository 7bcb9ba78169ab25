/**
 * Events per second over time, stacked by a dimension, drawn with uPlot (canvas, fast on
 * large series). Stacking is done here: each series is plotted as the running sum of the
 * ones below it and filled to the axis, drawn top-down so each band shows its own share.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Timeline } from '../api';

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function StackedChart(props: { timeline: Timeline; onRendered?: (ms: number) => void }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const started = performance.now();
    const { times, series, stepSeconds } = props.timeline;
    const perSecond = series.map((s) => s.counts.map((c) => c / stepSeconds));
    const stacked: number[][] = [];
    perSecond.forEach((values, i) => stacked.push(values.map((v, j) => v + (i > 0 ? stacked[i - 1][j] : 0))));
    const order = stacked.map((_, i) => stacked.length - 1 - i);
    const plot = new uPlot(
      {
        width: el.clientWidth || 900,
        height: 320,
        scales: { x: { time: true } },
        axes: [{}, { label: 'events/s' }],
        series: [
          {},
          ...order.map((i) => ({
            label: series[i].name,
            stroke: PALETTE[i % PALETTE.length],
            fill: `${PALETTE[i % PALETTE.length]}cc`,
            width: 1,
            value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) => (idx === null ? '' : perSecond[i][idx].toFixed(1)),
          })),
        ],
      },
      [times, ...order.map((i) => stacked[i])],
      el,
    );
    props.onRendered?.(performance.now() - started);
    return () => plot.destroy();
  }, [props.timeline]);
  return <div ref={host} class="chart" data-testid="chart" />;
}
