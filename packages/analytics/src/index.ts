/**
 * @polder/analytics — the vetted algorithm library. Each algorithm has a station half (runs on the
 * station's DuckDB over a cohort) and a hub half (combines the stations' disclosure-controlled partials).
 */
export {};
