/**
 * Before a booking is confirmed, contact details in a message are hidden, so that guest and host
 * cannot take the payment off the platform (where neither is protected). What counts as contact
 * details: e-mail addresses (also spelled "name at host dot com"), phone numbers (8 to 15 digits,
 * with the usual separators, dates excepted) and links (with a scheme, `www.`, or a bare domain
 * with a common top-level domain).
 */
export const HIDDEN = { email: '[e-mail hidden]', phone: '[phone number hidden]', link: '[link hidden]' } as const;

const EMAIL =
  /[A-Za-z0-9._%+-]+\s*(?:@|\(at\)|\[at\]|\s+at\s+)\s*[A-Za-z0-9-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\s+dot\s+)\s*[A-Za-z0-9-]+)*\s*(?:\.|\(dot\)|\[dot\]|\s+dot\s+)\s*[A-Za-z]{2,}\b/gi;
const SCHEME_OR_WWW = /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"']+/gi;
const TLDS = 'com|net|org|info|biz|io|co|me|app|dev|ly|gl|to|link|site|online|xyz|uk|de|fr|es|it|nl|eu|us|ca|au|ch|at|be|pt|ru|br|in';
const BARE_DOMAIN = new RegExp(`\\b(?:[A-Za-z0-9-]+\\.)+(?:${TLDS})\\b(?:\\/[^\\s<>"']*)?`, 'gi');
const ENDS_IN_TLD = new RegExp(`\\.\\s*(?:${TLDS})$`, 'i');
const PHONE_CANDIDATE = /(?:\+|\((?=\d)|\b)\d[\d\s().\-/]{6,}\d\b/g;
const DATE_LIKE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;

const isPhone = (candidate: string): boolean => {
  const digits = candidate.replace(/\D/g, '').length;
  return digits >= 8 && digits <= 15 && !DATE_LIKE.test(candidate.trim());
};

export type Masked = { text: string; hidden: number };

/** The text with every e-mail address, phone number and link replaced by a placeholder. */
export const maskContactDetails = (text: string): Masked => {
  let hidden = 0;
  const replace =
    (pattern: RegExp, placeholder: string, accept: (match: string) => boolean = () => true) =>
    (input: string) =>
      input.replace(pattern, (match) => {
        if (!accept(match)) return match;
        hidden++;
        return placeholder;
      });
  const masked = [
    replace(EMAIL, HIDDEN.email, (match) => /@|\(at\)|\[at\]|\s+dot\s+|\(dot\)|\[dot\]/i.test(match) || ENDS_IN_TLD.test(match)),
    replace(SCHEME_OR_WWW, HIDDEN.link),
    replace(BARE_DOMAIN, HIDDEN.link),
    replace(PHONE_CANDIDATE, HIDDEN.phone, isPhone),
  ].reduce((current, step) => step(current), text);
  return { text: masked, hidden };
};
