import { useEffect, useRef, useState, type ReactNode } from 'react';

/** Narrower than this, a chart is not redrawn but scaled (CSS pixels). */
const minimumWidth = 240;

/**
 * A chart drawn with Observable Plot at the width of its container, redrawn when that changes. The chart
 * is hidden from screen readers: every chart of a result has its figures in a table beside it.
 */
export function AnalysisChart(props: {
  readonly title: string;
  readonly className?: string;
  readonly draw: (width: number) => SVGSVGElement | HTMLElement;
  readonly note?: ReactNode;
}) {
  const { draw } = props;
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let drawn = 0;
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
    <figure className={`chart analysis-chart ${props.className ?? ''}`.trim()}>
      <figcaption>{props.title}</figcaption>
      <div ref={container} className="chart-canvas" />
      {props.note !== undefined && <p className="hint">{props.note}</p>}
    </figure>
  );
}
