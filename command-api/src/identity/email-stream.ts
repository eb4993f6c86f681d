import { createHash } from 'node:crypto';
import { identity } from '@stayhub/domain';

/** The `email-{hash}` stream that makes an address unique: named by the hash of its normalised form. */
export const emailStream = (email: string): string => identity.emailStreamId(createHash('sha256').update(identity.normaliseEmail(email)).digest('hex'));
