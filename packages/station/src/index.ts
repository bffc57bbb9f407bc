export { openStationStore } from './station-store.ts';
export type { OpenStationOptions, StationInfo, StationStore } from './station-store.ts';
