import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface Series {
  label: string;
  /** Points in time order: [epoch seconds, value]. */
  points: Array<[number, number]>;
  color: string;
  dash?: boolean;
  /** Each value holds until the next point (a share of traffic set at a moment), rather than a line between points. */
  step?: boolean;
}

/** A moment marked on the chart: a vertical line with a short label (a scaling activity). */
export interface Marker {
  /** Epoch seconds. */
  at: number;
  label: string;
  color: string;
}

/** Draws the markers over the plot, after uPlot has drawn its series (uPlot's documented draw hook). */
function markerPlugin(markers: Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.lineWidth = devicePixelRatio;
        for (const m of markers) {
          const x = Math.round(u.valToPos(m.at, "x", true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.color;
          ctx.fillStyle = m.color;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          // Right of the line, or left of it when it would run off the plot.
          const w = ctx.measureText(m.label).width;
          const right = x + 3 * devicePixelRatio + w <= u.bbox.left + u.bbox.width;
          ctx.fillText(m.label, right ? x + 3 * devicePixelRatio : x - 3 * devicePixelRatio - w, top + 12 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

/**
 * A time-series chart drawn by uPlot (a maintained, 50 KB canvas charting library): lines on one
 * time axis; a horizontal line (a scaling policy's target) is a series of two points.
 */
export function Chart({ series, title, unit = "", markers = [], range }: { series: Series[]; title: string; unit?: string; markers?: Marker[]; range?: [number, number] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // The time axis spans the series, the markers and the asked-for range (a marker with no data around it still shows).
    const times = [...new Set([...series.flatMap((s) => s.points.map((p) => p[0])), ...markers.map((m) => m.at), ...(range ?? [])])].sort((a, b) => a - b);
    const columns = series.map((s) => {
      const byTime = new Map(s.points);
      return times.map((t) => byTime.get(t) ?? null);
    });
    const style = getComputedStyle(document.documentElement);
    const fg = style.getPropertyValue("--muted").trim() || "#888";
    const grid = style.getPropertyValue("--line").trim() || "#ccc";
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const plot = new uPlot(
      {
        title,
        width: Math.max(260, el.clientWidth),
        height: 220,
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max ?? 0, 1) * 1.1] } },
        axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => `${t}${unit}`) }],
        plugins: markers.length ? [markerPlugin(markers)] : [],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, ...(s.dash ? { dash: [6, 4] } : {}), ...(s.step ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}) }))],
      },
      [times, ...columns] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(260, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(series), JSON.stringify(markers), title]);
  const marked = markers.length ? `; ${markers.length} marked: ${markers.map((m) => m.label).join(", ")}` : "";
  return <div class="chart" ref={box} role="img" aria-label={`${title}: ${series.map((s) => s.label).join(", ")}${marked}`} />;
}
