import type { PatientStatus, ReminderMethod } from '../../../shared/domain/patient';

/** The demo practice's data tables: names, phone numbers, mail domains, providers, visit reasons and weights. */

/** Common US surnames (census order, roughly); Faker's own English list is mostly whimsical, so it supplies only a few. */
export const US_SURNAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King',
  'Wright', 'Scott', 'Nguyen', 'Hill', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Campbell',
  'Mitchell', 'Carter', 'Roberts', 'Phillips', 'Evans', 'Turner', 'Parker', 'Collins', 'Edwards', 'Stewart',
  'Morris', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Peterson', 'Cooper', 'Reed', 'Bailey', 'Bell',
  'Kelly', 'Howard', 'Ward', 'Cox', 'Richardson', 'Wood', 'Watson', 'Brooks', 'Bennett', 'Gray',
  'James', 'Hughes', 'Price', 'Sanders', 'Myers', 'Long', 'Ross', 'Foster', 'Powell', 'Jenkins',
  'Perry', 'Russell', 'Sullivan', 'Fisher', 'Henderson', 'Coleman', 'Simmons', 'Patterson', 'Jordan', 'Reynolds',
  'Hamilton', 'Graham', 'Kim', 'Wallace', 'Woods', 'Cole', 'West', 'Owens', 'Marshall', 'Tran',
  'Ellis', 'Harrison', 'Gibson', 'McDonald', 'Murray', 'Ford', 'Hayes', 'Kennedy', 'Wells', 'Alexander',
  'Stevens', 'Tucker', 'Porter', 'Hunter', 'Hicks', 'Crawford', 'Boyd', 'Mason', 'Warren', 'Dixon',
  'Burns', 'Gordon', 'Shaw', 'Holmes', 'Rice', 'Robertson', 'Hunt', 'Black', 'Daniels', 'Palmer',
  'Mills', 'Grant', 'Knight', 'Ferguson', 'Stone', 'Hawkins', 'Dunn', 'Perkins', 'Hudson', 'Spencer',
  'Stephens', 'Pierce', 'Hansen', 'Wagner', 'Schmidt', 'Carroll', 'Duncan', 'Armstrong', 'Chen', 'Wong',
  'Patel', 'Shah', 'Singh', 'Park', 'Choi', 'Pham', 'Le', 'Huang', 'Zhang', 'Wang',
  "O'Brien", "O'Connor", 'Walsh', 'Byrne', 'Doyle', 'Quinn', 'Fitzgerald', 'Brennan', 'Costa', 'Silva',
  'Pereira', 'Santos', 'Oliveira', 'Rossi', 'Russo', 'Romano', 'Greco', 'Cohen', 'Levy', 'Goldberg',
  'Friedman', 'Katz', 'Novak', 'Kowalski', 'Nowak', 'Jensen', 'Larsen', 'Olson', 'Lindqvist', 'Berg',
  'Okafor', 'Mensah', 'Diallo', 'Haddad', 'Khoury', 'Nasser', 'Ali', 'Khan', 'Ahmed', 'Hussain',
  'Nakamura', 'Tanaka', 'Sato', 'Yamamoto', 'Dubois', 'Laurent', 'Moreau', 'Fontaine', 'Baptiste', 'Pierre',
];

/** Boston-area area codes: the demo practice is in Massachusetts. */
export const AREA_CODES = ['617', '857', '781', '339', '508', '774', '978', '351', '413'];
/** 555-0100…555-0199 are the numbers reserved for fiction: 900 distinct numbers before reuse. */
export const PHONE_POOL = AREA_CODES.length * 100;

export const EMAIL_DOMAINS: readonly (readonly [string, number])[] = [
  ['gmail.com', 46],
  ['yahoo.com', 14],
  ['outlook.com', 10],
  ['icloud.com', 12],
  ['hotmail.com', 8],
  ['comcast.net', 5],
  ['aol.com', 3],
  ['verizon.net', 2],
];
/** A few realistic mistakes for the data-quality worklist (regular families only). */
export const TYPO_DOMAINS = ['gmial.com', 'gmail.con', 'yaho.com', 'hotmial.com', 'outlok.com', 'icloud.co'];

export const PROVIDERS = [
  'Dr. Priya Raman',
  'Dr. Michael Okafor',
  'Dr. Sarah Lindqvist',
  'Dr. James Whitfield',
  'Laura Chen, CPNP',
];
export const VISIT_REASONS: readonly (readonly [string, number])[] = [
  ['Well child visit', 40],
  ['Sick visit', 20],
  ['Vaccines', 10],
  ['Follow-up', 10],
  ['Sports physical', 6],
  ['Ear pain', 4],
  ['Asthma follow-up', 4],
  ['Rash', 3],
  ['Flu shot', 3],
];

export const STATUS_WEIGHTS: readonly (readonly [PatientStatus, number])[] = [
  ['Active', 920],
  ['Inactive', 35],
  ['Transferred', 20],
  ['In Collections', 12],
  ['Merged', 9],
  ['Deceased', 4],
];

export const REMINDER_WEIGHTS: readonly (readonly [ReminderMethod | null, number])[] = [
  ['Text', 45],
  ['Email', 35],
  ['Phone', 10],
  ['None', 4],
  [null, 6],
];
