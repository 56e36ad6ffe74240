import { useEffect } from 'react';
import { call } from '../api/client';
import { useAuth } from './authStore';

const EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const;
/** How often the lock screen is checked for (main may have locked the station after inactivity). */
const CHECK_EVERY_MS = 15_000;

/**
 * Tells main that someone is working here: on keyboard or mouse activity, at most once a minute
 * (more often when the lock period is shorter), with the cheap `auth.activity` call. Main decides
 * when the station locks; this hook also asks main now and then, so the lock screen appears on time.
 */
export function useActivityReports(active: boolean, lockAfterMinutes: number): void {
  useEffect(() => {
    if (!active) return;
    const pingEveryMs = Math.min(60_000, (lockAfterMinutes * 60_000) / 3);
    // performance.now(), not Date.now(): a clock set back would otherwise stop the pings (and lock a working clerk).
    let lastPing = performance.now();
    const onActivity = () => {
      const now = performance.now();
      if (now - lastPing < pingEveryMs) return;
      lastPing = now;
      call('auth.activity', {}).catch(() => void useAuth.getState().refresh());
    };
    for (const name of EVENTS) window.addEventListener(name, onActivity, { passive: true, capture: true });
    const timer = setInterval(() => void useAuth.getState().refresh(), CHECK_EVERY_MS);
    return () => {
      for (const name of EVENTS) window.removeEventListener(name, onActivity, { capture: true });
      clearInterval(timer);
    };
  }, [active, lockAfterMinutes]);
}
