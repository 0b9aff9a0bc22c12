import { cacheDir } from '@labkit/runtime';
import { doctor as checkHost } from '../doctor/doctor.ts';
import type { DoctorOptions, DoctorReport } from '../doctor/doctor.ts';

/** `lab doctor`: what this host has for Labkit's microVMs and browser tests, with install lines for what is missing. */
export function doctor(options: Partial<DoctorOptions> = {}): DoctorReport {
  return checkHost({ cacheDir: cacheDir(), ...options });
}
