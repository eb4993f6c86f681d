/** The nights from check-in to the day before check-out. */
export const nightsBetween = (checkIn: string, checkOut: string): string[] => {
  const nights: string[] = [];
  for (let t = Date.parse(`${checkIn}T00:00:00Z`); t < Date.parse(`${checkOut}T00:00:00Z`); t += 86_400_000) {
    nights.push(new Date(t).toISOString().slice(0, 10));
  }
  return nights;
};
