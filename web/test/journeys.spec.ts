import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { projectRoot } from '@stayhub/platform-kit';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { accessibilityViolations, CHROMIUM, launchBrowser } from './browser.ts';
import { api, inDays, PASSWORD } from './fixtures.ts';
import { outputDir, startPlatform, type Platform } from './platform.ts';

const ADMIN = 'operator@stayhub.test';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `[web] ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it): the browser journeys are skipped${process.env.CI ? ', except in CI, where they fail' : ''}`,
  );

let platform: Platform;
let browser: Browser;
let db: pg.Pool;
const contexts: BrowserContext[] = [];

const newPage = async (): Promise<{ page: Page; context: BrowserContext }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: platform.url });
  contexts.push(context);
  return { page: await context.newPage(), context };
};

const signIn = async (page: Page, email: string) => {
  await page.goto('/sign-in');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(PASSWORD);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`${email} (`).waitFor();
};

/** Reloads until `text` shows: the read side and the payment workflow finish after the answer. */
const reloadUntil = async (page: Page, text: string | RegExp, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (
      await page
        .getByText(text)
        .first()
        .isVisible()
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) throw new Error(`"${text}" did not show within ${timeoutMs} ms on ${page.url()}`);
    await page.waitForTimeout(1000);
    await page.reload();
    await page.waitForLoadState('networkidle').catch(() => undefined);
  }
};

const finish = async (page: Page, name: string) => {
  await page.screenshot({ path: join(outputDir(), `${name}.png`), fullPage: true });
  const violations = await accessibilityViolations(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
};

const ids = () => Math.random().toString(36).slice(2, 8);

// A journey is a person's minutes in a browser: on a loaded machine (the whole suite beside it) its
// steps, each bounded on its own, may add up to more than the default 60 s.
describe.skipIf(!haveChromium && !process.env.CI)('journeys in a real browser', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    // The journeys test the app as it is in the tree, not an older build left in web/dist.
    const build = spawnSync('npm', ['run', 'build', '-w', '@stayhub/web'], { cwd: projectRoot, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`the web app did not build:\n${build.stdout}\n${build.stderr}`);
    const databaseUrl = await testDatabaseUrl();
    [platform, browser] = await Promise.all([startPlatform(databaseUrl, { ADMIN_EMAILS: ADMIN, RATE_LIMIT_AUTH_PER_IP: '1000' }), launchBrowser()]);
    db = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  }, 240_000);
  // A failed journey leaves a picture of every page it had open, to see what the person would have seen.
  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    const pages = contexts.flatMap((context) => context.pages());
    await Promise.all(
      pages.map((page, i) =>
        page.screenshot({ path: join(outputDir(), `failed-${task.name.slice(0, 40).replace(/\W+/g, '-')}-${i}.png`), fullPage: true }).catch(() => undefined),
      ),
    );
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await db?.end();
    await platform?.stop();
  }, 60_000);

  it('a guest finds a listing despite a typo, books it instantly and sees the confirmed trip', async () => {
    const client = api(platform.url);
    const host = await client.register(`host-${ids()}@stayhub.test`, 'host');
    await client.publishListing(host.token, {
      title: 'Seaside Cottage',
      description: 'A small cottage by the sea.',
      city: 'Lisbon',
      lat: 38.72,
      lon: -9.14,
      price: 12_000,
      instantBook: true,
    });
    const email = `guest-${ids()}@stayhub.test`;
    await client.register(email, 'guest');
    const { page } = await newPage();
    await signIn(page, email);

    await page.goto('/');
    const search = page.getByRole('form', { name: 'Search listings' });
    await search.getByLabel('What').fill('seasde cotage');
    await search.getByLabel('Check-in').fill(inDays(20));
    await search.getByLabel('Check-out').fill(inDays(23));
    await search.getByLabel('Guests').fill('2');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Seaside Cottage', exact: true }).click();

    await page.getByRole('heading', { name: 'Seaside Cottage' }).waitFor();
    await page.getByText('3 nights × 1 unit: €360.00').waitFor();
    await page.getByRole('button', { name: 'Book now' }).click();

    await page.getByRole('heading', { name: 'My trips' }).waitFor();
    await reloadUntil(page, /^confirmed$/);
    await expect(page.getByText(`${inDays(20)} → ${inDays(23)} (3 nights)`).isVisible()).resolves.toBe(true);

    // Changing the party, then looking at what cancelling would give back before deciding not to.
    await page.getByRole('button', { name: 'Change…' }).click();
    await page.getByRole('form', { name: 'Change this trip' }).getByLabel('Guests').fill('3');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await reloadUntil(page, /· 3 guests ·/);
    await page.getByRole('button', { name: 'Cancel…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this trip' });
    await dialog.getByText('Under the flexible policy you get back €360.00 of the €360.00 paid.').waitFor();
    await finish(page, 'guest-trip');
    await dialog.getByRole('button', { name: 'Keep the trip' }).click();
    await expect(page.getByText(/^confirmed$/).isVisible()).resolves.toBe(true);
  });

  it('a host approves a request from the inbox and the guest sees it confirmed', async () => {
    const client = api(platform.url);
    const hostEmail = `host-${ids()}@stayhub.test`;
    const host = await client.register(hostEmail, 'host');
    const { listingId } = await client.publishListing(host.token, {
      title: 'Hilltop Loft',
      description: 'Views over the city.',
      city: 'Lisbon',
      lat: 38.75,
      lon: -9.1,
      price: 9_000,
      instantBook: false,
    });
    const guestEmail = `guest-${ids()}@stayhub.test`;
    const guest = await client.register(guestEmail, 'guest');
    const booking = await client.call<{ bookingId: string }>(
      'POST',
      '/command/bookings',
      { listingId, checkIn: inDays(30), checkOut: inDays(32), guests: 2, paymentMethod: 'tok_visa' },
      guest.token,
    );

    const { page: hostPage } = await newPage();
    await signIn(hostPage, hostEmail);
    await hostPage.goto('/host/inbox');
    await reloadUntil(hostPage, /^awaiting approval$/);
    const request = hostPage.getByRole('listitem', { name: `Booking ${booking.bookingId}` });
    await expect(request.getByText(/Answer by/).isVisible()).resolves.toBe(true);
    await hostPage.getByRole('link', { name: 'Hilltop Loft' }).waitFor();
    await hostPage.screenshot({ path: join(outputDir(), 'host-inbox.png'), fullPage: true });
    await request.getByRole('button', { name: 'Approve' }).click();
    await reloadUntil(hostPage, /^(awaiting payment|confirmed)$/);

    const { page } = await newPage();
    await signIn(page, guestEmail);
    await page.goto('/trips');
    await reloadUntil(page, /^confirmed$/);
    await finish(page, 'guest-confirmed');
  });

  it('a host blocks nights in the calendar, sees them taken, and lifts the block', async () => {
    const client = api(platform.url);
    const email = `host-${ids()}@stayhub.test`;
    const host = await client.register(email, 'host');
    const { listingId } = await client.publishListing(host.token, {
      title: 'Orchard Cabin',
      description: 'A cabin among apple trees.',
      city: 'Sintra',
      lat: 38.8,
      lon: -9.39,
      price: 11_000,
      instantBook: true,
    });
    const { page } = await newPage();
    await signIn(page, email);
    // The listing was written elsewhere (through the API): the calendar offers it all the same.
    await page.goto('/host/calendar');
    // A page whose answer trailed the host's own writes refreshes it by itself; a reload only in case.
    const choice = page.getByLabel('Listing').locator(`option[value="${listingId}"]`);
    for (const deadline = Date.now() + 90_000; ; await page.reload()) {
      const shown = await choice.waitFor({ state: 'attached', timeout: 15_000 }).catch(() => 'not yet');
      if (shown !== 'not yet') break;
      if (Date.now() > deadline) throw new Error('the listing never showed in the calendar’s choice');
    }
    await page.getByLabel('Listing').selectOption(listingId);
    await page.getByLabel('Starting').fill(inDays(40));
    const calendar = page.getByRole('table', { name: 'Availability of Whole home' });
    await calendar.getByRole('cell', { name: `${inDays(41)}: 1 free` }).waitFor();

    const block = page.getByRole('form', { name: 'Block nights of Whole home' });
    await block.getByLabel('From').fill(inDays(40));
    await block.getByLabel('To (exclusive)').fill(inDays(43));
    await block.getByRole('button', { name: 'Block' }).click();
    await block.getByText('Blocked 3 night(s).').waitFor();
    await calendar.getByRole('cell', { name: `${inDays(41)}: 0 free` }).waitFor();
    const lift = page.getByRole('list', { name: 'Blocks' }).getByRole('button', { name: `Lift the block ${inDays(40)} → ${inDays(43)}` });
    await lift.waitFor();
    await page.screenshot({ path: join(outputDir(), 'host-calendar-blocked.png'), fullPage: true });

    await lift.click();
    await page.getByText('No blocks.').waitFor();
    await calendar.getByRole('cell', { name: `${inDays(41)}: 1 free` }).waitFor();
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM es_events WHERE type = 'NightsUnblocked' AND stream_id LIKE $1", [
      `calendar-${listingId}.%`,
    ]);
    expect(rows[0]!.n).toBeGreaterThan(0);
    await finish(page, 'host-calendar');
  });

  it('a host writes a listing through a dropped connection and a lost answer, publishes twice, and gets exactly one listing with everything typed', async () => {
    const client = api(platform.url);
    const email = `host-${ids()}@stayhub.test`;
    const host = await client.register(email, 'host');
    const { page, context } = await newPage();
    await signIn(page, email);

    // The first create reaches the server, but its answer is lost on the way back.
    let lost = 0;
    await page.route('**/api/command/listings', async (route) => {
      if (route.request().method() === 'POST' && lost === 0) {
        lost++;
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });

    await page.goto('/host/listings');
    await page.getByRole('button', { name: 'New listing' }).click();
    const status = page.getByTestId('sync-status');
    await page.getByLabel('Title').fill('Quiet Garden Flat');
    await page.getByLabel('Description').fill('Two rooms over a quiet garden.\nFive minutes from the tram.');
    await status.getByText(/Offline/).waitFor();
    expect(lost).toBe(1);

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('City').fill('Coimbra');
    await page.getByLabel('Country code').fill('PT');
    await page.getByLabel('Latitude').fill('40.21');
    await page.getByLabel('Longitude').fill('-8.43');
    await page.getByLabel('Time zone').fill('Europe/Lisbon');

    await context.setOffline(true);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Photo URLs').fill(`${platform.url}/sample-photo.svg`);
    await page.getByLabel('Amenities').fill('wifi, garden, washer');
    await page.getByLabel('House rules').fill('No smoking\nQuiet after 22:00');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Name of the home').fill('Garden flat');
    await page.getByLabel('Guests per unit').fill('3');
    await page.getByLabel('Price per night').fill('85.50');
    await status.getByText(/Offline: \d+ fields? kept in this browser/).waitFor();
    await page.screenshot({ path: join(outputDir(), 'host-form-offline.png'), fullPage: true });

    await context.setOffline(false);
    await status.getByText('All changes saved').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Guests can book instantly').check();
    await page.getByLabel('Cancellation policy').selectOption('strict');
    await page.getByRole('button', { name: 'Publish listing' }).click();
    await page.getByText('Published as listing').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Publish again' }).click();
    await page.getByText('Published as listing').waitFor({ timeout: 30_000 });

    const { rows } = await db.query<{ id: string }>("SELECT data->>'listingId' AS id FROM es_events WHERE type = 'ListingCreated' AND data->>'hostId' = $1", [
      host.userId,
    ]);
    expect(rows).toHaveLength(1);
    // Read the listing as of the publish the page last made (its consistency token), not whatever the read side had yet.
    const after = await page.evaluate(() => sessionStorage.getItem('stayhub.consistency'));
    const listing = await client.call<{ status: string; details: Record<string, any> }>(
      'GET',
      `/query/listings/${rows[0]!.id}?after=${after}`,
      undefined,
      host.token,
    );
    expect(listing.status).toBe('published');
    expect(listing.details).toMatchObject({
      title: 'Quiet Garden Flat',
      description: 'Two rooms over a quiet garden.\nFive minutes from the tram.',
      location: { city: 'Coimbra', country: 'PT', lat: 40.21, lon: -8.43, timeZone: 'Europe/Lisbon' },
      photos: [`${platform.url}/sample-photo.svg`],
      amenities: ['wifi', 'garden', 'washer'],
      houseRules: ['No smoking', 'Quiet after 22:00'],
      instantBook: true,
      cancellationPolicy: 'strict',
    });
    expect(listing.details.unitTypes).toMatchObject([{ name: 'Garden flat', count: 1, capacity: 3, price: { amount: 8550, currency: 'EUR' } }]);
    await finish(page, 'host-form');

    // My listings shows it from the server, among the published ones, with a way back to its form.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Host' }).click();
    await page.getByLabel('Status').selectOption('published');
    const card = page.getByRole('list', { name: 'Listings' }).getByRole('listitem').filter({ hasText: 'Quiet Garden Flat' });
    await card.getByText('Complete.').waitFor();
    await card.getByRole('link', { name: 'Edit' }).waitFor();
    await finish(page, 'host-listings');

    // A new host has earned nothing yet: both tables say so.
    await nav.getByRole('link', { name: 'Earnings' }).click();
    await page.getByText('No earnings in this period yet.').waitFor();
    await page.getByText('No payouts yet.').waitFor();
    await finish(page, 'host-earnings');
  });

  it('a host opens a draft in a second browser with every saved field; edits from both browsers merge, and a clash is the host’s to settle', async () => {
    const client = api(platform.url);
    const email = `host-${ids()}@stayhub.test`;
    const host = await client.register(email, 'host');
    const { page: first } = await newPage();
    await signIn(first, email);
    await first.goto('/host/listings');
    await first.getByRole('button', { name: 'New listing' }).click();
    const firstStatus = first.getByTestId('sync-status');
    await first.getByLabel('Title').fill('Tram Stop Loft');
    await first.getByLabel('Description').fill('A loft by the tram stop.');
    await firstStatus.getByText('All changes saved').waitFor({ timeout: 30_000 });
    await first.getByRole('button', { name: 'Next' }).click();
    await first.getByLabel('City').fill('Lisbon');
    await first.getByLabel('Country code').fill('PT');
    await first.getByLabel('Latitude').fill('38.72');
    await first.getByLabel('Longitude').fill('-9.14');
    await first.getByLabel('Time zone').fill('Europe/Lisbon');
    await firstStatus.getByText('All changes saved').waitFor({ timeout: 30_000 });
    await first.getByRole('button', { name: 'Back' }).click();

    // A second browser (nothing in its storage) finds the draft on the server and opens it whole.
    const { page: second } = await newPage();
    await signIn(second, email);
    await second.goto('/host/listings');
    await reloadUntil(second, 'Lisbon');
    await second
      .getByRole('list', { name: 'Listings' })
      .getByRole('listitem')
      .filter({ hasText: 'Tram Stop Loft' })
      .getByRole('button', { name: 'Edit and publish' })
      .click();
    const secondStatus = second.getByTestId('sync-status');
    await expect(second.getByLabel('Title').inputValue()).resolves.toBe('Tram Stop Loft');
    await expect(second.getByLabel('Description').inputValue()).resolves.toBe('A loft by the tram stop.');
    await second.getByRole('button', { name: 'Next' }).click();
    await expect(second.getByLabel('City').inputValue()).resolves.toBe('Lisbon');
    await expect(second.getByLabel('Latitude').inputValue()).resolves.toBe('38.72');
    await second.getByRole('button', { name: 'Back' }).click();
    await second.getByLabel('Description').fill('A loft by the tram stop, with a balcony.');
    await secondStatus.getByText('All changes saved').waitFor({ timeout: 30_000 });

    // The first browser, still on its older revision, edits another field: both edits are kept.
    await first.getByLabel('Title').fill('Tram Stop Loft & Balcony');
    await firstStatus.getByText('All changes saved').waitFor({ timeout: 30_000 });
    await expect.poll(() => first.getByLabel('Description').inputValue(), { timeout: 30_000 }).toBe('A loft by the tram stop, with a balcony.');

    // The second browser changes the title the first one just saved: a clash, shown with both values; nothing is sent until the host keeps one.
    await second.getByLabel('Title').fill('Balcony Loft');
    const clash = second.getByRole('alert').filter({ hasText: 'Changed in another browser meanwhile' });
    await clash.getByText('Balcony Loft', { exact: true }).waitFor({ timeout: 30_000 });
    await clash.getByText('Tram Stop Loft & Balcony', { exact: true }).waitFor();
    await second.screenshot({ path: join(outputDir(), 'host-two-browsers-conflict.png'), fullPage: true });
    expect(await accessibilityViolations(second)).toEqual([]);
    await clash.getByRole('button', { name: 'Keep mine' }).click();
    await secondStatus.getByText('All changes saved').waitFor({ timeout: 30_000 });

    const { rows } = await db.query<{ id: string }>("SELECT data->>'listingId' AS id FROM es_events WHERE type = 'ListingCreated' AND data->>'hostId' = $1", [
      host.userId,
    ]);
    expect(rows).toHaveLength(1);
    const after = await second.evaluate(() => sessionStorage.getItem('stayhub.consistency'));
    const saved = await client.call<{ details: Record<string, any> }>('GET', `/query/host/listings/${rows[0]!.id}?after=${after}`, undefined, host.token);
    expect(saved.details).toMatchObject({
      title: 'Balcony Loft',
      description: 'A loft by the tram stop, with a balcony.',
      location: { city: 'Lisbon', lat: 38.72 },
    });

    // The first browser, opened again, shows what the second one saved.
    await first.reload();
    await expect.poll(() => first.getByLabel('Title').inputValue(), { timeout: 30_000 }).toBe('Balcony Loft');
    await finish(second, 'host-two-browsers');
  });

  it('a host edits the second room type of a hotel, adds one and removes one, while another browser changes the first: both kept', async () => {
    const client = api(platform.url);
    const email = `host-${ids()}@stayhub.test`;
    const host = await client.register(email, 'host');
    const room = (unitTypeId: string, name: string, count: number, amount: number) => ({
      unitTypeId,
      name,
      count,
      capacity: 2,
      price: { amount, currency: 'EUR' },
    });
    const { listingId } = await client.call<{ listingId: string }>(
      'POST',
      '/command/listings',
      {
        kind: 'hotel',
        details: {
          title: 'Harbour Rooms',
          description: 'Rooms over the harbour.',
          photos: [`${platform.url}/sample-photo.svg`],
          location: { lat: 41.14, lon: -8.61, city: 'Porto', country: 'PT', timeZone: 'Europe/Lisbon' },
          currency: 'EUR',
          unitTypes: [room('double', 'Double', 8, 9_000), room('suite', 'Suite', 2, 21_000)],
        },
      },
      host.token,
    );

    const { page } = await newPage();
    await signIn(page, email);
    await page.goto('/host/listings');
    await reloadUntil(page, 'Harbour Rooms');
    await page
      .getByRole('list', { name: 'Listings' })
      .getByRole('listitem')
      .filter({ hasText: 'Harbour Rooms' })
      .getByRole('button', { name: 'Edit and publish' })
      .click();
    await page.getByRole('button', { name: '4. Units and prices' }).click();
    const status = page.getByTestId('sync-status');
    // Typing is sent after a short pause: saved once nothing waits in the browser and the server said so.
    const saved = async () => {
      await page.getByText(/· 0 field\(s\) not yet on the server/).waitFor({ timeout: 30_000 });
      await status.getByText('All changes saved').waitFor({ timeout: 30_000 });
    };
    const group = (n: number) => page.getByRole('group', { name: `Room type ${n}` });
    await expect(group(2).getByLabel('Room type', { exact: true }).inputValue()).resolves.toBe('Suite');

    // Another browser (here the API, as the form would send it) adds rooms of the first type meanwhile.
    const { revision } = await client.call<{ revision: number }>('GET', `/query/host/listings/${listingId}`, undefined, host.token);
    await client.call(
      'PUT',
      `/command/listings/${listingId}`,
      { unitTypes: [room('double', 'Double', 10, 9_000), room('suite', 'Suite', 2, 21_000)] },
      host.token,
      { 'if-match': `"${revision}"` },
    );

    await group(2).getByLabel('Price per night').fill('240');
    await saved();
    await expect.poll(() => group(1).getByLabel('Number of rooms').inputValue(), { timeout: 30_000 }).toBe('10');

    await page.getByRole('button', { name: 'Add a room type' }).click();
    await group(3).getByLabel('Room type', { exact: true }).fill('Terrace');
    await group(3).getByLabel('Number of rooms').fill('3');
    await group(3).getByLabel('Price per night').fill('130');
    await saved();
    await page.getByRole('button', { name: 'Remove room type 1 (Double)' }).click();
    await saved();
    await expect(group(1).getByLabel('Room type', { exact: true }).inputValue()).resolves.toBe('Suite');

    const after = await page.evaluate(() => sessionStorage.getItem('stayhub.consistency'));
    const unitTypes = async () => {
      const listing = await client.call<{ details: { unitTypes: { name: string; count: number; price: { amount: number } }[] } }>(
        'GET',
        `/query/host/listings/${listingId}?after=${after}`,
        undefined,
        host.token,
      );
      return listing.details.unitTypes.map((u) => [u.name, u.count, u.price.amount]);
    };
    await expect.poll(unitTypes, { timeout: 30_000 }).toEqual([
      ['Suite', 2, 24_000],
      ['Terrace', 3, 13_000],
    ]);
    await finish(page, 'host-room-types');
  });

  it('a seller sees a new paid order with where it goes, ships it, and the shopper sees it shipped', async () => {
    const client = api(platform.url);
    const sellerEmail = `seller-${ids()}@stayhub.test`;
    const seller = await client.register(sellerEmail, 'host');
    const { productId } = await client.product(seller.token, { sku: `LAMP-${ids()}`, name: 'Brass Desk Lamp', price: 4_900, stock: 4 });
    const shopperEmail = `shopper-${ids()}@stayhub.test`;
    const shopper = await client.register(shopperEmail, 'guest');
    const { orderId } = await client.call<{ orderId: string }>(
      'POST',
      '/command/checkout',
      { items: [{ productId, quantity: 2 }], shippingPostalCode: '75001', paymentMethod: 'tok_visa' },
      shopper.token,
    );
    const short = orderId.slice(-8);

    const { page } = await newPage();
    await signIn(page, sellerEmail);
    await page.goto('/seller');
    await page.getByRole('list', { name: 'My products' }).getByRole('link', { name: 'Brass Desk Lamp' }).waitFor();
    await reloadUntil(page, 'ship to postal code 75001');
    const card = page.getByRole('list', { name: 'Seller orders' }).getByRole('listitem', { name: `Order ${short}` });
    await card.getByText('2 × Brass Desk Lamp').waitFor();
    await reloadUntil(page, 'on hand 2, held 0, available 2');
    await page.screenshot({ path: join(outputDir(), 'seller-to-ship.png'), fullPage: true });
    const ship = page.getByRole('form', { name: `Ship order ${short}` });
    await ship.getByLabel('Carrier').fill('La Poste');
    await ship.getByLabel('Tracking number').fill('LP123456');
    await ship.getByRole('button', { name: 'Mark shipped' }).click();
    await page.getByText('Nothing to ship: no paid orders are waiting.').waitFor({ timeout: 30_000 });
    await page.getByLabel('Show').selectOption('shipped');
    await page
      .getByRole('listitem', { name: `Order ${short}` })
      .getByText(/with La Poste \(LP123456\)/)
      .waitFor();

    // A delivery comes in: received from the page, it shows among the product's receipts and in its stock; sent twice, it counts once.
    const lamp = page.getByRole('list', { name: 'My products' }).getByRole('listitem', { name: 'Brass Desk Lamp' });
    const receive = lamp.getByRole('form', { name: 'Receive stock of Brass Desk Lamp' });
    for (let i = 0; i < 2; i++) {
      await receive.getByLabel('Quantity received').fill('6');
      await receive.getByLabel('Delivery note id').fill('DN-2026-041');
      await receive.getByRole('button', { name: 'Receive' }).click();
      await lamp.getByRole('button', { name: 'Hide stock receipts of Brass Desk Lamp' }).waitFor();
    }
    const receipts = lamp.getByRole('table', { name: 'Stock receipts of Brass Desk Lamp' });
    await receipts.getByRole('cell', { name: 'DN-2026-041' }).waitFor();
    await expect.poll(() => receipts.getByRole('row').count(), { timeout: 30_000 }).toBe(3);
    await lamp.getByText('on hand 8, held 0, available 8').waitFor({ timeout: 30_000 });
    await finish(page, 'seller');

    const { page: shopperPage } = await newPage();
    await signIn(shopperPage, shopperEmail);
    await shopperPage.goto(`/shop/orders/${orderId}`);
    await reloadUntil(shopperPage, 'with La Poste (tracking LP123456)');
    await shopperPage.getByRole('heading', { name: `Order ${short} shipped` }).waitFor();
    await finish(shopperPage, 'shop-order-shipped');
  });

  it('a guest asks a host about a listing, they chat live, and what is sent while the guest is cut off arrives once, in order', async () => {
    const client = api(platform.url);
    const hostEmail = `host-${ids()}@stayhub.test`;
    const host = await client.register(hostEmail, 'host', 'Marta');
    const { listingId } = await client.publishListing(host.token, {
      title: 'Riverside Studio',
      description: 'A bright studio by the river.',
      city: 'Porto',
      lat: 41.14,
      lon: -8.61,
      price: 7_000,
      instantBook: false,
    });
    const guestEmail = `guest-${ids()}@stayhub.test`;
    await client.register(guestEmail, 'guest', 'Ana');

    // The guest's network can be cut: the chat socket is dropped and cannot come back until it is restored.
    const { page, context } = await newPage();
    let cut = false;
    const open = new Set<WebSocketRoute>();
    await context.routeWebSocket(
      (url) => url.pathname === '/api/chat/ws',
      (ws) => {
        if (cut) return ws.close({ code: 4001, reason: 'network down' });
        open.add(ws);
        ws.onClose((code, reason) => {
          open.delete(ws);
          return ws.close({ code, reason });
        });
        ws.connectToServer();
      },
    );
    await signIn(page, guestEmail);

    // The chat learns of the listing from the platform's events; until then it answers 404 (shown), and the same question is sent again.
    await page.goto(`/listings/${listingId}`);
    const ask = page.getByRole('form', { name: 'Ask the host' });
    await ask.getByLabel('Your question').fill('Is the studio quiet at night?');
    for (const deadline = Date.now() + 60_000; !page.url().includes('/messages/'); ) {
      if (Date.now() > deadline) throw new Error('the question was never accepted');
      await ask.getByRole('button', { name: 'Ask the host' }).click();
      await page.waitForURL(/\/messages\//, { timeout: 3_000 }).catch(() => undefined);
    }
    const guestLog = page.getByRole('list', { name: 'Messages' });
    await guestLog.getByRole('listitem', { name: 'You: Is the studio quiet at night?' }).waitFor();
    await page.getByTestId('chat-status').getByText('Live').waitFor();

    // The host sees it unread in the list, opens it, and answers; the guest sees the answer (and the read receipt) without reloading.
    const { page: hostPage } = await newPage();
    await signIn(hostPage, hostEmail);
    await hostPage.goto('/messages');
    await reloadUntil(hostPage, '1 unread');
    await hostPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages 1 unread' }).waitFor();
    await finish(hostPage, 'chat-inbox');
    await hostPage.getByRole('link', { name: /Ana · Riverside Studio/ }).click();
    const hostLog = hostPage.getByRole('list', { name: 'Messages' });
    await hostLog.getByRole('listitem', { name: 'Ana: Is the studio quiet at night?' }).waitFor();
    const reply = async (text: string) => {
      await hostPage.getByRole('form', { name: 'Write a message' }).getByLabel('Message').fill(text);
      await hostPage.getByRole('button', { name: 'Send' }).click();
      await hostLog.getByRole('listitem', { name: `You: ${text}` }).waitFor();
    };
    await reply('Yes, very quiet: the bedroom faces the garden.');
    await guestLog.getByRole('listitem', { name: 'Marta: Yes, very quiet: the bedroom faces the garden.' }).waitFor();
    await hostLog.getByText('· Seen').waitFor();

    // The guest is cut off: what the guest writes waits in the page; the host writes on.
    cut = true;
    await context.setOffline(true);
    for (const ws of open) await ws.close({ code: 4001, reason: 'network down' });
    await page
      .getByTestId('chat-status')
      .getByText(/Offline|Connecting/)
      .waitFor();
    await page.getByRole('form', { name: 'Write a message' }).getByLabel('Message').fill('Can we check in early?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page
      .getByTestId('chat-status')
      .getByText(/1 message\(s\) will be sent when it is back/)
      .waitFor();
    await reply('Check-in is from 15:00.');
    await reply('Earlier is free when the studio is ready.');
    await page.screenshot({ path: join(outputDir(), 'chat-offline.png'), fullPage: true });

    // Back online: the socket resumes from the last sequence the guest saw; everything arrives once, in order.
    cut = false;
    await context.setOffline(false);
    await page.getByTestId('chat-status').getByText('Live').waitFor({ timeout: 30_000 });
    await guestLog.getByRole('listitem', { name: 'Marta: Earlier is free when the studio is ready.' }).waitFor();
    await guestLog.getByRole('listitem', { name: 'You: Can we check in early?' }).waitFor();
    await hostLog.getByRole('listitem', { name: 'Ana: Can we check in early?' }).waitFor();
    const texts = async (log: typeof guestLog) => (await log.locator('> li.chat-message').allInnerTexts()).map((text) => text.split('\n')[0]);
    const conversation = [
      'Is the studio quiet at night?',
      'Yes, very quiet: the bedroom faces the garden.',
      'Check-in is from 15:00.',
      'Earlier is free when the studio is ready.',
      'Can we check in early?',
    ];
    expect(await texts(guestLog)).toEqual(conversation);
    expect(await texts(hostLog)).toEqual(conversation);
    await finish(page, 'chat');
  });

  it('a shopper adds a product to the cart, checks out and sees the order confirmed', async () => {
    const client = api(platform.url);
    const seller = await client.register(`seller-${ids()}@stayhub.test`, 'host');
    const sku = `KETTLE-${ids()}`;
    await client.product(seller.token, { sku, name: 'Blue Enamel Kettle', price: 3_450, stock: 5 });
    const email = `shopper-${ids()}@stayhub.test`;
    await client.register(email, 'guest');
    const { page } = await newPage();
    await signIn(page, email);

    await page.goto('/shop');
    const search = page.getByRole('form', { name: 'Search products' });
    await search.getByLabel('What').fill('enamel ketle');
    await search.getByLabel('Deliverable to').fill('10115');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Blue Enamel Kettle' }).click();
    await page.getByText('5 in stock').waitFor();
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('2 in your cart.').waitFor();

    await page.getByRole('link', { name: 'Go to the cart' }).click();
    await page.getByText('Subtotal: €69.00 for 2 item(s)').waitFor();
    const checkout = page.getByRole('form', { name: 'Checkout' });
    await checkout.getByLabel('Postal code').fill('10115');
    await checkout.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: /^Order / }).waitFor();
    await reloadUntil(page, /^confirmed$/);
    await expect(page.getByText('Total €69.00').isVisible()).resolves.toBe(true);
    await finish(page, 'shop-order');
  });

  it('an operator sees a projection lag and a parked event, and retries it', async () => {
    const client = api(platform.url);
    await client.register(ADMIN, 'guest');
    const seller = await client.register(`seller-${ids()}@stayhub.test`, 'host');
    const { productId, consistencyToken } = await client.product(seller.token, { sku: `MUG-${ids()}`, name: 'Stoneware Mug', price: 1_200, stock: 3 });
    await client.call('GET', `/query/products/${productId}?after=${consistencyToken}`);

    // An event the product projection once failed on (parked), whose fix has since shipped.
    const { rows: events } = await db.query(
      "SELECT event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at, lpad(transaction_id::text, 20, '0') || '-' || lpad(global_position::text, 20, '0') AS position FROM es_events WHERE stream_id = $1 ORDER BY stream_revision LIMIT 1",
      [`product-${productId}`],
    );
    const e = events[0];
    const recorded = {
      eventId: e.event_id,
      streamId: e.stream_id,
      streamRevision: Number(e.stream_revision),
      type: e.type,
      schemaVersion: e.schema_version,
      data: e.data,
      metadata: e.metadata,
      occurredAt: e.occurred_at.toISOString(),
      globalPosition: e.position,
    };
    await db.query('DELETE FROM products WHERE product_id = $1', [productId]);
    await db.query(
      "INSERT INTO projection_parked (projection, event_id, position, event, error) VALUES ('products', $1, $2, $3, 'TypeError: price is undefined (fixed since)')",
      [e.event_id, e.position, JSON.stringify(recorded)],
    );

    // The product projection is held up (its checkpoint row locked) while more products arrive: it lags.
    const holder = await db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT position FROM projection_checkpoints WHERE name = 'products' FOR UPDATE");
      await client.product(seller.token, { sku: `MUG-${ids()}`, name: 'Another Mug', price: 1_300, stock: 1 });

      const { page } = await newPage();
      await signIn(page, ADMIN);
      await page.goto('/ops');
      const row = page.locator('tr[data-projection="products"]');
      await row
        .locator('td')
        .first()
        .filter({ hasText: /^[1-9]\d*$/ })
        .waitFor({ timeout: 30_000 });
      await row.locator('td').nth(1).filter({ hasText: '1' }).waitFor();
      await page.getByText('TypeError: price is undefined (fixed since)').waitFor();
      await page.screenshot({ path: join(outputDir(), 'operator-lag.png'), fullPage: true });
      await holder.query('COMMIT');

      await page.getByRole('button', { name: 'Retry parked events of products' }).click();
      await page.getByText('Retried the parked events of products: 1 applied, 0 still failing.').waitFor();
      await row.locator('td').first().filter({ hasText: /^0$/ }).waitFor({ timeout: 30_000 });
      expect((await client.call<{ name: string }>('GET', `/query/products/${productId}`)).name).toBe('Stoneware Mug');

      // A rebuild from the page: progress while it runs, the outcome when the copy is swapped in.
      await page.getByRole('button', { name: 'Rebuild products' }).click();
      await page.getByText(/^Rebuild of products: swapped, \d+ events in/).waitFor({ timeout: 60_000 });
      expect((await client.call<{ name: string }>('GET', `/query/products/${productId}`)).name).toBe('Stoneware Mug');
      await finish(page, 'operator');
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });
});
