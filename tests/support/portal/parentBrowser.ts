import { formatUsDate } from '../../../shared/domain/dates';

/** The child a parent registers or adds: what the portal's forms ask for. */
export interface ChildToAdd {
  /** 'YYYY-MM-DD'. */
  date_of_birth: string;
}

/** A parent's browser on the reference portal: keeps cookies, follows redirects, submits forms. */
export class ParentBrowser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async open(path: string, form?: Record<string, string>): Promise<{ status: number; path: string; html: string; headers: Headers }> {
    let url = new URL(path, this.base);
    let init: RequestInit = form
      ? { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
      : { method: 'GET' };
    for (let hop = 0; hop < 5; hop++) {
      const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
      for (const set of res.headers.getSetCookie()) {
        const [pair] = set.split(';');
        const eq = pair!.indexOf('=');
        if (/max-age=0/i.test(set)) this.cookies.delete(pair!.slice(0, eq));
        else this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      if (res.status === 303 || res.status === 302) {
        await res.arrayBuffer();
        url = new URL(res.headers.get('location')!, url);
        init = { method: 'GET' };
        continue;
      }
      return { status: res.status, path: url.pathname, html: await res.text(), headers: res.headers };
    }
    throw new Error('too many redirects');
  }

  register(email: string, kid: ChildToAdd, pin: string, dateOfBirth = formatUsDate(kid.date_of_birth)) {
    return this.open('/register', { email, password: 'correct horse battery', dateOfBirth, pin });
  }

  addChild(kid: ChildToAdd, pin: string, dateOfBirth = kid.date_of_birth) {
    return this.open('/account/add-child', { dateOfBirth, pin });
  }
}
