import { useEffect, useRef, useState, type ReactNode } from 'react';

/** Narrower than this, a chart is not redrawn but scaled (CSS pixels). */
const minimumWidth = 200;

/**
 * A chart drawn with Observable Plot at the width of its container (redrawn when that changes), with a
 * caption and the same figures as a table for screen readers and for copying.
 */
export function PlotFigure(props: {
  readonly title: string;
  /** Draws the chart at `width` CSS pixels. */
  readonly draw: (width: number) => SVGSVGElement | HTMLElement;
  /** The chart's figures as rows of [label, value]. */
  readonly rows: readonly (readonly [string, string])[];
  readonly columns: readonly [string, string];
  readonly note?: ReactNode;
}) {
  const { title, draw, rows, columns, note } = props;
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let drawn = 0;
    // The first width is drawn at once; later changes wait until resizing settles (a window being dragged,
    // or a browser briefly re-laying out the page to print or capture it), and the SVG scales meanwhile.
    const observer = new ResizeObserver(([entry]) => {
      const next = Math.floor(entry?.contentRect.width ?? 0);
      if (next < minimumWidth || Math.abs(next - drawn) < 8) return;
      clearTimeout(timer);
      const apply = () => {
        drawn = next;
        setWidth(next);
      };
      if (drawn === 0) apply();
      else timer = setTimeout(apply, 250);
    });
    observer.observe(element);
    return () => {
      clearTimeout(timer);
      observer.disconnect();
    };
  }, []);

  useEffect(() => {
    const element = container.current;
    if (element === null || width === 0) return;
    const chart = draw(width);
    chart.setAttribute('aria-hidden', 'true');
    element.replaceChildren(chart);
    return () => chart.remove();
  }, [draw, width]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} className="chart-canvas" />
      {note !== undefined && <p className="hint">{note}</p>}
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{columns[0]}</th>
            <th scope="col">{columns[1]}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
