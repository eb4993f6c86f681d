import { useState } from 'react';
import { get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { AsyncList } from '../shared/ui.tsx';

type Review = { rating: number; comment: string; stayMonth: string; guestFirstName: string; writtenAt: string };
type ReviewPage = { items: Review[]; page: number; hasMore: boolean; rating: { average: number | null; count: number } };

const PAGE_SIZE = 5;

const monthName = (month: string): string => new Date(`${month}-01T00:00:00Z`).toLocaleDateString('en', { timeZone: 'UTC', year: 'numeric', month: 'long' });

/** A listing's published reviews, newest first, a page at a time. */
export const ListingReviews = ({ listingId }: { listingId: string }) => {
  const [page, setPage] = useState(1);
  const reviews = useResource(`reviews/${listingId}/${page}`, (signal) =>
    get<ReviewPage>('query', `/listings/${listingId}/reviews${queryString({ page, pageSize: PAGE_SIZE })}`, { signal }),
  );
  return (
    <AsyncList resource={reviews} what="reviews" empty="No reviews yet." items={(data: ReviewPage) => data.items}>
      {(items) => (
        <>
          <ul className="reviews" aria-label="Reviews">
            {items.map((review) => (
              <li key={`${review.writtenAt} ${review.guestFirstName}`} className="card">
                <p>
                  <strong role="img" aria-label={`${review.rating} of 5`}>
                    {'★'.repeat(review.rating) + '☆'.repeat(5 - review.rating)}
                  </strong>{' '}
                  {review.guestFirstName || 'A guest'}, stayed {monthName(review.stayMonth)}
                </p>
                <p className="prose">{review.comment}</p>
              </li>
            ))}
          </ul>
          <div className="actions">
            {page > 1 && (
              <button type="button" className="secondary" onClick={() => setPage(page - 1)}>
                Newer reviews
              </button>
            )}
            {reviews.data?.hasMore && (
              <button type="button" className="secondary" onClick={() => setPage(page + 1)}>
                Older reviews
              </button>
            )}
          </div>
        </>
      )}
    </AsyncList>
  );
};
