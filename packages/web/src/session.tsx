import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, isUnauthenticated, type Basket, type User } from './api-client.ts';

/** Who is signed in, and their basket, shared by the header and the pages. */
export interface Session {
  /** undefined while the app asks the hub; null when nobody is signed in. */
  readonly user: User | null | undefined;
  readonly basket: Basket['items'];
  signedIn(user: User): void;
  signOut(): Promise<void>;
  addToBasket(datasetId: string): Promise<void>;
  removeFromBasket(datasetId: string): Promise<void>;
}

const SessionContext = createContext<Session | undefined>(undefined);

/** Provides the session: asks the hub who is signed in, and loads their basket. */
export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [basket, setBasket] = useState<Basket['items']>([]);

  useEffect(() => {
    let live = true;
    api.me().then(
      (me) => live && setUser(me),
      (error: unknown) => {
        if (!live) return;
        setUser(null);
        if (!isUnauthenticated(error)) console.error(error);
      },
    );
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (user === null || user === undefined) {
      setBasket([]);
      return;
    }
    let live = true;
    api.basket().then(
      (answer) => live && setBasket(answer.items),
      () => live && setBasket([]),
    );
    return () => {
      live = false;
    };
  }, [user]);

  const signOut = useCallback(async () => {
    await api.signOut();
    setUser(null);
  }, []);
  const addToBasket = useCallback(async (datasetId: string) => {
    setBasket((await api.addToBasket(datasetId)).items);
  }, []);
  const removeFromBasket = useCallback(async (datasetId: string) => {
    setBasket((await api.removeFromBasket(datasetId)).items);
  }, []);

  const session = useMemo<Session>(
    () => ({ user, basket, signedIn: setUser, signOut, addToBasket, removeFromBasket }),
    [user, basket, signOut, addToBasket, removeFromBasket],
  );
  return <SessionContext value={session}>{children}</SessionContext>;
}

/** The session; only inside `SessionProvider`. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession() needs a SessionProvider around the app');
  return session;
}
