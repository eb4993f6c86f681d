import { describe, expect, it } from 'vitest';
import { specFor, type SpecCase } from '../shared/spec.ts';
import {
  ClaimEmail,
  emailDecider,
  emailStreamId,
  normaliseEmail,
  ProfileChanges,
  RegisterUser,
  userDecider,
  UserRegisteredData,
  userStreamId,
  type EmailCommand,
  type EmailEvent,
  type UserCommand,
  type UserEvent,
} from './index.ts';

const now = '2026-03-01T10:00:00.000Z';
const register: UserCommand = {
  type: 'RegisterUser',
  data: { userId: 'u1', email: ' Ada@Example.COM', name: 'Ada', role: 'host', now },
};
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', email: 'ada@example.com', name: 'Ada', role: 'host', at: now },
};

const change = (changes: ProfileChanges): UserCommand => ({ type: 'ChangeProfile', data: { userId: 'u1', changes, now } });
const changed = (changes: ProfileChanges): UserEvent => ({ type: 'UserProfileChanged', data: { userId: 'u1', changes, at: now } });

const changeEmail = (email: string, from = 'ada@example.com'): UserCommand => ({ type: 'ChangeEmail', data: { userId: 'u1', email, from, now } });
const emailChanged = (email: string): UserEvent => ({ type: 'UserEmailChanged', data: { userId: 'u1', email, at: now } });

describe('userDecider', () => {
  const spec = specFor(userDecider);
  const cases: SpecCase<UserCommand, UserEvent>[] = [
    { name: 'registers a new user with a lowercased email', when: register, then: [registered] },
    { name: 'refuses to register the same user twice', given: [registered], when: register, throws: 'USER_EXISTS' },
    {
      name: 'changes name, phone and locale of a registered user',
      given: [registered],
      when: change({ name: 'Ada Lovelace', phone: '+4915112345678', locale: 'de-DE' }),
      then: [changed({ name: 'Ada Lovelace', phone: '+4915112345678', locale: 'de-DE' })],
    },
    {
      name: 'records only the fields that differ',
      given: [registered, changed({ phone: '+4915112345678' })],
      when: change({ name: 'Ada', phone: '+4915112345678', locale: 'en' }),
      then: [changed({ locale: 'en' })],
    },
    {
      name: 'a change to what is already there records nothing',
      given: [registered, changed({ locale: 'en' })],
      when: change({ name: 'Ada', locale: 'en' }),
      then: [],
    },
    {
      name: 'removes the phone with null',
      given: [registered, changed({ phone: '+4915112345678' })],
      when: change({ phone: null }),
      then: [changed({ phone: null })],
    },
    { name: 'removing a phone that is not there records nothing', given: [registered], when: change({ phone: null }), then: [] },
    { name: 'refuses to change a user that is not registered', when: change({ name: 'Ada' }), throws: 'USER_NOT_FOUND' },
    { name: 'changes the email, lowercased', given: [registered], when: changeEmail(' Ada@New.example '), then: [emailChanged('ada@new.example')] },
    { name: 'changing the email to the one it is (in any case) records nothing', given: [registered], when: changeEmail('ADA@example.com'), then: [] },
    {
      name: 'refuses a change confirmed against an email the user no longer has',
      given: [registered, emailChanged('ada@new.example')],
      when: changeEmail('ada@third.example'),
      throws: 'EMAIL_CHANGED_MEANWHILE',
    },
    {
      name: 'changes again from the new email',
      given: [registered, emailChanged('ada@new.example')],
      when: changeEmail('ada@third.example', 'ada@new.example'),
      then: [emailChanged('ada@third.example')],
    },
    { name: 'refuses to change the email of a user that is not registered', when: changeEmail('ada@new.example'), throws: 'USER_NOT_FOUND' },
  ];
  it.each(cases)('$name', spec.run);

  it('keeps the changed profile in state, and drops a removed phone', () => {
    const withPhone = [registered, changed({ name: 'Ada L', phone: '+4915112345678', locale: 'en' })].reduce(userDecider.evolve, userDecider.initialState);
    expect(withPhone).toEqual({
      status: 'registered',
      userId: 'u1',
      email: 'ada@example.com',
      role: 'host',
      name: 'Ada L',
      phone: '+4915112345678',
      locale: 'en',
    });
    expect(userDecider.evolve(withPhone, changed({ phone: null }))).toEqual({
      status: 'registered',
      userId: 'u1',
      email: 'ada@example.com',
      role: 'host',
      name: 'Ada L',
      locale: 'en',
    });
  });

  it('keeps the new email in state', () => {
    expect([registered, emailChanged('ada@new.example')].reduce(userDecider.evolve, userDecider.initialState)).toMatchObject({
      status: 'registered',
      email: 'ada@new.example',
    });
  });

  it('validates what a user may change', () => {
    expect(ProfileChanges.safeParse({ phone: '015112345678' }).success).toBe(false);
    expect(ProfileChanges.safeParse({ locale: 'german' }).success).toBe(false);
    expect(ProfileChanges.safeParse({ name: '   ' }).success).toBe(false);
    expect(ProfileChanges.parse({ name: '  Ada  ', locale: 'pt-BR' })).toEqual({ name: 'Ada', locale: 'pt-BR' });
  });

  it('keeps the registered user in state', () => {
    expect(userDecider.evolve(userDecider.initialState, registered)).toEqual({
      status: 'registered',
      userId: 'u1',
      email: 'ada@example.com',
      role: 'host',
      name: 'Ada',
    });
  });
});

const claim = (userId: string, email = 'Ada@Example.com'): EmailCommand => ({ type: 'ClaimEmail', data: { email, userId, now } });
const claimed: EmailEvent = { type: 'EmailClaimed', data: { email: 'ada@example.com', userId: 'u1', at: now } };

const release = (userId: string): EmailCommand => ({ type: 'ReleaseEmail', data: { email: 'ada@example.com', userId, now } });
const released: EmailEvent = { type: 'EmailReleased', data: { email: 'ada@example.com', userId: 'u1', at: now } };

describe('emailDecider', () => {
  const spec = specFor(emailDecider);
  const cases: SpecCase<EmailCommand, EmailEvent>[] = [
    { name: 'claims a free email, lowercased', when: claim('u1'), then: [claimed] },
    { name: 'claiming again for the same user changes nothing', given: [claimed], when: claim('u1', 'ADA@example.com'), then: [] },
    { name: 'refuses an email claimed by another user', given: [claimed], when: claim('u2'), throws: 'EMAIL_TAKEN', details: { email: 'ada@example.com' } },
    { name: 'the holder releases an email', given: [claimed], when: release('u1'), then: [released] },
    {
      name: 'a released email is free for anyone to claim',
      given: [claimed, released],
      when: claim('u2'),
      then: [{ type: 'EmailClaimed', data: { email: 'ada@example.com', userId: 'u2', at: now } }],
    },
    { name: 'someone else cannot release an email', given: [claimed], when: release('u2'), then: [] },
    { name: 'releasing a free email records nothing', given: [claimed, released], when: release('u1'), then: [] },
  ];
  it.each(cases)('$name', spec.run);
});

describe('identity helpers and schemas', () => {
  it('names streams', () => {
    expect(userStreamId('u1')).toBe('user-u1');
    expect(emailStreamId('ab12')).toBe('email-ab12');
  });
  it('normalises emails', () => expect(normaliseEmail('  Ada@Example.COM ')).toBe('ada@example.com'));
  it('validates commands and event data', () => {
    expect(RegisterUser.safeParse(register).success).toBe(false); // leading space is not an email
    expect(RegisterUser.safeParse({ ...register, data: { ...register.data, email: 'ada@example.com' } }).success).toBe(true);
    expect(RegisterUser.safeParse({ ...register, data: { ...register.data, email: 'ada@example.com', role: 'root' } }).success).toBe(false);
    expect(ClaimEmail.safeParse(claim('u1')).success).toBe(true);
    expect(ClaimEmail.safeParse({ type: 'ClaimEmail', data: { email: 'x', userId: 'u1', now } }).success).toBe(false);
    expect(UserRegisteredData.safeParse(registered.data).success).toBe(true);
  });
});
