import { NavLink, Route, Routes } from 'react-router';
import { AuthProvider, RequireRole, SignInPage, useAuth } from './shared/auth.tsx';
import { SearchPage } from './guests/SearchPage.tsx';
import { ListingPage } from './guests/ListingPage.tsx';
import { TripsPage } from './guests/TripsPage.tsx';
import { HostListingsPage } from './hosts/HostListingsPage.tsx';
import { ListingFormPage } from './hosts/ListingFormPage.tsx';
import { InboxPage } from './hosts/InboxPage.tsx';
import { CalendarPage } from './hosts/CalendarPage.tsx';
import { EarningsPage } from './hosts/EarningsPage.tsx';
import { ProductSearchPage } from './shop/ProductSearchPage.tsx';
import { ProductPage } from './shop/ProductPage.tsx';
import { CartPage } from './shop/CartPage.tsx';
import { OrderPage, OrdersPage } from './shop/OrdersPage.tsx';
import { WishlistPage } from './shop/WishlistPage.tsx';
import { SellerPage } from './shop/SellerPage.tsx';
import { OperatorPage } from './ops/OperatorPage.tsx';
import { ChatProvider } from './chat/chat-context.tsx';
import { ConversationsPage } from './chat/ConversationsPage.tsx';
import { ConversationPage } from './chat/ConversationPage.tsx';
import { UnreadBadge } from './chat/UnreadBadge.tsx';

const Header = () => {
  const { session, signOut } = useAuth();
  const host = session?.role === 'host' || session?.role === 'admin';
  return (
    <header className="top">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <NavLink to="/" className="brand">
        StayHub
      </NavLink>
      <nav aria-label="Main">
        <ul>
          <li>
            <NavLink to="/" end>
              Stays
            </NavLink>
          </li>
          <li>
            <NavLink to="/shop" end>
              Shop
            </NavLink>
          </li>
          {session && (
            <>
              <li>
                <NavLink to="/trips">Trips</NavLink>
              </li>
              <li>
                <NavLink to="/messages">
                  Messages <UnreadBadge />
                </NavLink>
              </li>
              <li>
                <NavLink to="/shop/cart">Cart</NavLink>
              </li>
              <li>
                <NavLink to="/shop/wishlist">Wishlist</NavLink>
              </li>
              <li>
                <NavLink to="/shop/orders" end>
                  Orders
                </NavLink>
              </li>
            </>
          )}
          {host && (
            <>
              <li>
                <NavLink to="/host/listings">Host</NavLink>
              </li>
              <li>
                <NavLink to="/host/inbox">Inbox</NavLink>
              </li>
              <li>
                <NavLink to="/host/calendar">Calendar</NavLink>
              </li>
              <li>
                <NavLink to="/host/earnings">Earnings</NavLink>
              </li>
              <li>
                <NavLink to="/seller">Sell</NavLink>
              </li>
            </>
          )}
          {session?.role === 'admin' && (
            <li>
              <NavLink to="/ops">Operations</NavLink>
            </li>
          )}
        </ul>
      </nav>
      <div className="who">
        {session ? (
          <>
            <span>
              {session.email} ({session.role})
            </span>{' '}
            <button type="button" className="link" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : (
          <NavLink to="/sign-in">Sign in</NavLink>
        )}
      </div>
    </header>
  );
};

const guest = (page: React.ReactNode) => <RequireRole>{page}</RequireRole>;
const host = (page: React.ReactNode) => <RequireRole roles={['host']}>{page}</RequireRole>;

export const App = () => (
  <AuthProvider>
    <ChatProvider>
      <Header />
      <main id="main">
        <Routes>
          <Route path="/" element={<SearchPage />} />
          <Route path="/sign-in" element={<SignInPage />} />
          <Route path="/listings/:id" element={<ListingPage />} />
          <Route path="/trips" element={guest(<TripsPage />)} />
          <Route path="/messages" element={guest(<ConversationsPage />)} />
          <Route path="/messages/:conversationId" element={guest(<ConversationPage />)} />
          <Route path="/host/listings" element={host(<HostListingsPage />)} />
          <Route path="/host/listings/:draftId" element={host(<ListingFormPage />)} />
          <Route path="/host/inbox" element={host(<InboxPage />)} />
          <Route path="/host/calendar" element={host(<CalendarPage />)} />
          <Route path="/host/calendar/:listingId" element={host(<CalendarPage />)} />
          <Route path="/host/earnings" element={host(<EarningsPage />)} />
          <Route path="/shop" element={<ProductSearchPage />} />
          <Route path="/shop/products/:id" element={<ProductPage />} />
          <Route path="/shop/cart" element={guest(<CartPage />)} />
          <Route path="/shop/wishlist" element={guest(<WishlistPage />)} />
          <Route path="/shop/orders" element={guest(<OrdersPage />)} />
          <Route path="/shop/orders/:id" element={guest(<OrderPage />)} />
          <Route path="/seller" element={host(<SellerPage />)} />
          <Route path="/ops" element={<RequireRole roles={['admin']}>{<OperatorPage />}</RequireRole>} />
          <Route path="*" element={<p role="alert">No such page.</p>} />
        </Routes>
      </main>
    </ChatProvider>
  </AuthProvider>
);
