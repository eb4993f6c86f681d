/** Booking history: by guest and by host, current (not yet ended) or past; PostgreSQL by default, Cassandra at scale. */
export type BookingView = {
  bookingId: string;
  guestId: string;
  hostId: string;
  listingId: string;
  unitTypeId: string;
  kind: string;
  stay: unknown;
  start: string;
  end: string;
  guests: number;
  units: number;
  total: { amount: number; currency: string };
  paid: { amount: number; currency: string };
  refunded: { amount: number; currency: string };
  status: string;
  /** The oldest money task parked for a person (capture, refund, payout); absent when all is well. */
  paymentIssue?: { taskId: string; operation: string; error: string; since: string };
  timeline: { type: string; at: string }[];
  createdAt: string;
  updatedAt: string;
};

export type BookingListQuery = { scope: 'current' | 'past' | 'all'; now: Date; page: number; pageSize: number; listingId?: string };
export type BookingPage = { items: BookingView[]; page: number; pageSize: number; hasMore: boolean };

export interface BookingHistoryReader {
  get(bookingId: string): Promise<BookingView | undefined>;
  byGuest(guestId: string, query: BookingListQuery): Promise<BookingPage>;
  byHost(hostId: string, query: BookingListQuery): Promise<BookingPage>;
}
