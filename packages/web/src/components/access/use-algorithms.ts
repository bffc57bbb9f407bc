import { useEffect, useState } from 'react';
import { accessApi } from './access-api.ts';
import { algorithmLabels } from './access-labels.ts';

/** An algorithm a permit may allow or a data request may ask for. */
export interface AlgorithmChoice {
  readonly name: string;
  readonly version: string;
  readonly title: string;
}

const fallback: readonly AlgorithmChoice[] = Object.entries(algorithmLabels).map(([name, title]) => ({
  name,
  title,
  version: '1.0.0',
}));

/** The hub's algorithm catalogue (names, versions, titles); the known names until it answers. */
export function useAlgorithms(): readonly AlgorithmChoice[] {
  const [algorithms, setAlgorithms] = useState<readonly AlgorithmChoice[]>(fallback);
  useEffect(() => {
    let live = true;
    accessApi.algorithms().then(
      (list) => {
        if (live && list.length > 0)
          setAlgorithms(list.map(({ name, version, title }) => ({ name, version, title })));
      },
      // Without the catalogue the known names still let the decider choose.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return algorithms;
}
