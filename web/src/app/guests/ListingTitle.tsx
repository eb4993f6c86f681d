import { Link } from 'react-router';
import { get } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import type { ListingView } from './types.ts';

const titles = new Map<string, Promise<string>>();
/** A listing's title, asked once per page load however many trips or requests name it. */
const titleOf = (listingId: string): Promise<string> => {
  let title = titles.get(listingId);
  if (!title) {
    title = get<ListingView>('query', `/listings/${listingId}`).then((listing) => listing.details.title ?? 'Untitled listing');
    title.catch(() => titles.delete(listingId));
    titles.set(listingId, title);
  }
  return title;
};

export const ListingTitle = ({ listingId }: { listingId: string }) => {
  const title = useResource(`title/${listingId}`, () => titleOf(listingId));
  return <Link to={`/listings/${listingId}`}>{title.state === 'ok' ? title.data : `Listing ${listingId.slice(-6)}`}</Link>;
};
