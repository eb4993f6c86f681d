const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The nights from check-in to the day before check-out (counted on the calendar, without a Date per night: read on every availability answer). */
export const nightsBetween = (checkIn: string, checkOut: string): string[] => {
  const count = Math.round((Date.parse(`${checkOut}T00:00:00Z`) - Date.parse(`${checkIn}T00:00:00Z`)) / 86_400_000);
  const nights: string[] = [];
  if (!(count > 0)) return nights;
  let [year, month, day] = checkIn.split('-').map(Number) as [number, number, number];
  let monthDays = daysInMonth(year, month);
  let prefix = `${String(year).padStart(4, '0')}-${pad2(month)}-`;
  for (let i = 0; i < count; i++) {
    nights.push(prefix + pad2(day));
    if (++day > monthDays) {
      day = 1;
      if (++month > 12) [month, year] = [1, year + 1];
      monthDays = daysInMonth(year, month);
      prefix = `${String(year).padStart(4, '0')}-${pad2(month)}-`;
    }
  }
  return nights;
};
