import { useState } from 'react';
import { ApiError } from '../api-client.ts';
import { ApplyFromBasket } from '../components/access/apply-from-basket.tsx';
import { useDocumentTitle } from '../components/use-document-title.ts';
import { formatDate } from '../format.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

/** The signed-in user's basket: the datasets they mean to apply for, each removable. */
export function BasketPage() {
  useDocumentTitle('Your basket');
  const { user, basket, removeFromBasket } = useSession();
  const [status, setStatus] = useState('');

  if (user === undefined) {
    return (
      <div className="page narrow" aria-busy="true">
        <h1>Your basket</h1>
      </div>
    );
  }
  if (user === null) {
    return (
      <div className="page narrow">
        <h1>Your basket</h1>
        <p>
          <Link href={`/sign-in?next=${encodeURIComponent('/basket')}`}>Sign in</Link> to see your basket.
        </p>
      </div>
    );
  }

  const remove = (datasetId: string, title: string) => {
    removeFromBasket(datasetId).then(
      () => setStatus(`Removed “${title}” from your basket.`),
      (caught: unknown) =>
        setStatus(caught instanceof ApiError ? caught.message : 'Cannot remove the dataset from the basket'),
    );
  };

  return (
    <div className="page narrow-wide">
      <h1>Your basket</h1>
      <p role="status" className="hint">
        {status}
      </p>
      {basket.length === 0 ? (
        <div className="card empty">
          <p>Your basket is empty.</p>
          <p>
            <Link href="/">Search the catalogue</Link> and add the datasets you need.
          </p>
        </div>
      ) : (
        <>
          <p>
            {basket.length} {basket.length === 1 ? 'dataset' : 'datasets'} selected.
          </p>
          <ul className="basket-list">
            {basket.map((item) => (
              <li key={item.datasetId} className="card basket-item">
                <div>
                  <h2>
                    <Link href={`/datasets/${item.datasetId}`}>{item.title}</Link>
                  </h2>
                  <p className="result-publisher">
                    {item.publisher} · added {formatDate(item.addedAt)}
                  </p>
                </div>
                <button
                  type="button"
                  className="button button-quiet button-small"
                  onClick={() => remove(item.datasetId, item.title)}
                  aria-label={`Remove ${item.title} from the basket`}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
          <ApplyFromBasket datasetIds={basket.map((item) => item.datasetId)} />
        </>
      )}
    </div>
  );
}
