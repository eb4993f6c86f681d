import { useState } from 'react';
import { Link } from 'react-router';
import { formatMoney, get, queryString } from '../shared/api.ts';
import { useAppConfig } from '../shared/config.ts';
import { useResource } from '../shared/resource.ts';
import { PriceFields, SelectField, useUrlSearch } from '../shared/search-form.tsx';
import { AsyncList, Field } from '../shared/ui.tsx';
import { ResultsMap } from './ResultsMap.tsx';
import type { SearchResult } from './types.ts';

type Place = { city: string; lat: number; lon: number };

/** Cities that listings are in, each at the middle of its listings: the place suggestions. */
const usePlaces = () =>
  useResource('places', async (signal) => {
    const result = await get<SearchResult>('query', '/listings/search?pageSize=100', { signal });
    const byCity = new Map<string, { lat: number; lon: number; n: number }>();
    for (const item of result.items) {
      if (!item.city || !item.location) continue;
      const seen = byCity.get(item.city) ?? { lat: 0, lon: 0, n: 0 };
      byCity.set(item.city, { lat: seen.lat + item.location.lat, lon: seen.lon + item.location.lon, n: seen.n + 1 });
    }
    return [...byCity].map(([city, sum]): Place => ({ city, lat: sum.lat / sum.n, lon: sum.lon / sum.n })).sort((a, b) => a.city.localeCompare(b.city));
  });

export const SearchPage = () => {
  const { params, value, minor, submit } = useUrlSearch();
  const config = useAppConfig();
  const places = usePlaces();
  const [locating, setLocating] = useState<string | null>(null);
  const [here, setHere] = useState<{ lat: number; lon: number } | null>(null);
  const apiQuery = queryString({
    q: value('q'),
    lat: value('lat'),
    lon: value('lon'),
    radiusKm: value('lat') ? value('radiusKm') || 25 : undefined,
    checkIn: value('checkIn'),
    checkOut: value('checkOut'),
    slot: value('slot') ? new Date(value('slot')).toISOString() : undefined,
    guests: value('guests'),
    minPrice: minor('minPrice'),
    maxPrice: minor('maxPrice'),
    amenities: value('amenities'),
    kind: value('kind'),
    sort: value('sort') || undefined,
    pageSize: 50,
  });
  const results = useResource(`search${apiQuery}`, (signal) => get<SearchResult>('query', `/listings/search${apiQuery}`, { signal }));

  // A place named in the form searches around it: the city's middle, or where the browser is.
  const withPlace = (next: URLSearchParams) => {
    const placeName = next.get('place');
    const place = places.state === 'ok' ? places.data.find((p) => p.city.toLowerCase() === placeName?.toLowerCase()) : undefined;
    if (placeName === 'My location' && here) {
      next.set('lat', String(here.lat));
      next.set('lon', String(here.lon));
    } else if (place) {
      next.set('lat', String(place.lat));
      next.set('lon', String(place.lon));
    } else {
      next.delete('lat');
      next.delete('lon');
    }
  };

  const locate = () => {
    if (!navigator.geolocation) return setLocating('This browser cannot tell its location');
    setLocating('Finding your location…');
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setHere({ lat: position.coords.latitude, lon: position.coords.longitude });
        setLocating(null);
        const input = document.getElementById('place') as HTMLInputElement | null;
        if (input) input.value = 'My location';
      },
      (error) => setLocating(`Location unavailable: ${error.message}`),
    );
  };

  const centre = value('lat') ? { lat: Number(value('lat')), lon: Number(value('lon')) } : undefined;
  return (
    <section>
      <h1>Find a place to stay or eat</h1>
      <form className="search" onSubmit={(event) => submit(event, withPlace)} aria-label="Search listings" key={params.toString()}>
        <Field label="What">
          <input name="q" type="search" defaultValue={value('q')} placeholder="cabin, sea view, sushi…" />
        </Field>
        <Field label="Where">
          <input id="place" name="place" list="places" defaultValue={value('place')} placeholder="a city" autoComplete="off" />
        </Field>
        <datalist id="places">{places.state === 'ok' && places.data.map((p) => <option key={p.city} value={p.city} />)}</datalist>
        <button type="button" className="secondary" onClick={locate}>
          Use my location
        </button>
        {locating && <span role="status">{locating}</span>}
        <Field label="Radius (km)">
          <input name="radiusKm" type="number" min={1} max={20000} defaultValue={value('radiusKm') || '25'} />
        </Field>
        <Field label="Check-in">
          <input name="checkIn" type="date" defaultValue={value('checkIn')} />
        </Field>
        <Field label="Check-out">
          <input name="checkOut" type="date" defaultValue={value('checkOut')} />
        </Field>
        <Field label="Table at (restaurants)">
          <input name="slot" type="datetime-local" defaultValue={value('slot')} />
        </Field>
        <Field label="Guests">
          <input name="guests" type="number" min={1} max={1000} defaultValue={value('guests')} />
        </Field>
        <PriceFields value={value} />
        <Field label="Amenities" hint="comma-separated, e.g. wifi, parking">
          <input name="amenities" defaultValue={value('amenities')} />
        </Field>
        <SelectField
          label="Kind"
          name="kind"
          value={value('kind')}
          options={[
            ['', 'Any'],
            ['rental', 'Rental'],
            ['hotel', 'Hotel'],
            ['restaurant', 'Restaurant'],
          ]}
        />
        <SelectField
          label="Sort by"
          name="sort"
          value={value('sort') || 'relevance'}
          options={[
            ['relevance', 'Relevance'],
            ['price', 'Price'],
            ['rating', 'Rating'],
            ['distance', 'Distance'],
          ]}
        />
        <button type="submit">Search</button>
      </form>
      <AsyncList
        resource={results}
        what="results"
        empty="Nothing matches. Try fewer filters, other dates or a wider radius."
        items={(data: SearchResult) => data.items}
      >
        {(items) => (
          <div className="results">
            <ol className="cards" aria-label="Results">
              {items.map((item) => (
                <li key={item.listingId} className="card">
                  {item.photo ? <img src={item.photo} alt="" loading="lazy" /> : null}
                  <h2>
                    <Link
                      to={`/listings/${item.listingId}${value('checkIn') ? queryString({ checkIn: value('checkIn'), checkOut: value('checkOut'), guests: value('guests') }) : ''}`}
                    >
                      {item.title ?? 'Untitled'}
                    </Link>
                  </h2>
                  <p className="muted">
                    {item.kind} · {item.city ?? '—'}
                    {item.distanceKm !== undefined ? ` · ${item.distanceKm.toFixed(1)} km` : ''}
                  </p>
                  <p>
                    from <strong>{formatMoney(item.minPrice)}</strong>
                    {item.rating !== null ? ` · ★ ${item.rating.toFixed(1)} (${item.ratingCount})` : ' · no reviews yet'}
                  </p>
                </li>
              ))}
            </ol>
            <ResultsMap items={items} tilesUrl={config.mapTilesUrl} centre={centre} />
          </div>
        )}
      </AsyncList>
    </section>
  );
};
