import { get, queryString } from '../shared/api.ts';
import { useResource } from '../shared/resource.ts';
import { ErrorMessage, Loading } from '../shared/ui.tsx';
import { addDays, type AvailabilityDay, type UnitType } from './types.ts';

/**
 * Free units of one unit type for each night from `from`, a week a row. `mark` styles extra
 * states per night (a host's blocks); `selected` highlights the chosen stay.
 */
export const AvailabilityCalendar = ({
  listingId,
  unitType,
  from,
  days = 42,
  selected,
  reloadKey = '',
}: {
  listingId: string;
  unitType: UnitType;
  from: string;
  days?: number;
  selected?: { checkIn: string; checkOut: string } | undefined;
  reloadKey?: string;
}) => {
  const to = addDays(from, days);
  const availability = useResource(`${listingId}/${from}/${to}/${reloadKey}`, (signal) =>
    get<{ days: AvailabilityDay[] }>('query', `/listings/${listingId}/availability${queryString({ from, to })}`, { signal }),
  );
  if (availability.state === 'loading' && !availability.data) return <Loading what="availability" />;
  if (availability.state === 'error') return <ErrorMessage error={availability.error} title="Could not load availability" />;
  const data = availability.data;
  if (!data) return null;
  const freeOn = new Map(data.days.map((day) => [day.key, day.unitTypes.find((u) => u.unitTypeId === unitType.unitTypeId)]));
  const nights = Array.from({ length: days }, (_, i) => addDays(from, i));
  return (
    <table className="calendar" aria-label={`Availability of ${unitType.name}`}>
      <caption>
        {unitType.name}: free of {unitType.count} per night
      </caption>
      <tbody>
        {Array.from({ length: Math.ceil(days / 7) }, (_, week) => (
          <tr key={nights[week * 7]}>
            {nights.slice(week * 7, week * 7 + 7).map((night) => {
              const free = freeOn.get(night)?.free ?? unitType.count;
              const chosen = selected && night >= selected.checkIn && night < selected.checkOut;
              const state = free === 0 ? 'full' : free < unitType.count ? 'partial' : 'free';
              return (
                <td key={night} className={`day day-${state}${chosen ? ' day-chosen' : ''}`} aria-label={`${night}: ${free} free${chosen ? ', chosen' : ''}`}>
                  <span className="day-date">{night.slice(5)}</span>
                  <span className="day-free">{free}</span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
};
