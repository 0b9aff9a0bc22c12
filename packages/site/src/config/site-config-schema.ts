import { z } from 'zod';
import { UI_STRINGS } from '../shell/ui-strings.ts';

/**
 * The `site` block of `lab.config.ts` as a zod schema: what `defineConfig`
 * types (`SiteUserConfig` is derived from it) and what `lab` checks the file
 * against (unknown keys are errors with a did-you-mean). The top-level schema
 * (labConfigSchema in @labkit/cli) composes this one.
 */

// A link target: an http(s) URL, a site path (`/about/`) or a relative path.
// Never `javascript:` or `data:`: the value ends up in an href.
const href = z.string().min(1).refine((v) => /^(https?:|mailto:)/i.test(v.trim()) || (!/^[a-z][\w+.-]*:/i.test(v.trim()) && !/\s/.test(v.trim())), {
  message: 'expected an http(s) URL, a mailto: address or a path',
});

// A CSS colour in a form that cannot break out of the declaration.
const color = z.string().regex(/^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla|oklch|oklab)\([\d\s.,%/+-]+\)|[a-zA-Z]{3,20})$/, 'expected a CSS colour: #4f46e5, rgb(...), hsl(...), oklch(...) or a colour name');

const link = z.strictObject({
  /** Link text. @example "Blog" */
  label: z.string().min(1),
  /** Where it goes: a URL or a path. @example "https://acme.dev/blog" */
  href,
});

const SOCIAL_KINDS = ['github', 'gitlab', 'x', 'mastodon', 'bluesky', 'discord', 'slack', 'youtube', 'linkedin', 'rss', 'email', 'website'] as const;

export const siteUserConfigSchema = z.strictObject({
  /** Shown in the header and the page titles. @example "Acme Labs" */
  title: z.string().optional(),
  /** Path the site is served under. @example "/labs/" */
  base: z.string().optional(),
  /** Public origin, for canonical links. @example "https://labs.acme.dev" */
  url: z.string().optional(),
  /** URL of the playground server (`lab serve`); without it pages stay static. @example "https://play.acme.dev/" */
  runtimeUrl: z.string().optional(),
  /**
   * Logo in the header, instead of the default mark: an image file in the content folder (SVG, PNG, JPEG, WebP).
   * @example { src: "./brand/logo.svg", alt: "Acme" }
   */
  logo: z.union([z.string().min(1), z.strictObject({
    /** Image file, relative to the content folder. @example "./brand/logo.svg" */
    src: z.string().min(1),
    /** Alternative text; empty when the title is shown next to it (the default). @example "Acme" */
    alt: z.string().optional(),
    /** Show only the logo, not the title text, in the header. @example true */
    replacesTitle: z.boolean().optional(),
  })]).optional(),
  /**
   * Favicon file in the content folder (`.ico`, `.svg` or `.png`). Without it the site ships a default one, so `/favicon.ico` is never a 404.
   * @example "./brand/favicon.svg"
   */
  favicon: z.string().min(1).optional(),
  /**
   * Accent colours (links, buttons, focus rings) for the light and the dark theme. Keep a 4.5:1 contrast with the background (#f7f8fb light, #0d1117 dark).
   * @example { accent: "#0f766e", accentDark: "#5eead4" }
   */
  colors: z.strictObject({
    /** Accent in the light theme. @example "#0f766e" */
    accent: color.optional(),
    /** Accent in the dark theme. @example "#5eead4" */
    accentDark: color.optional(),
  }).optional(),
  /**
   * Stylesheets in the content folder loaded after the site's own, in order (override the `--accent`, `--font`... custom properties or any class).
   * @example ["./brand/site.css"]
   */
  customCss: z.array(z.string().min(1)).optional(),
  /**
   * The header navigation. Default: Tutorials, Challenges, Skill paths, Courses (catalog filters).
   * @example [{ label: "Courses", href: "/?kind=course" }, { label: "Blog", href: "https://acme.dev/blog" }]
   */
  nav: z.array(link).optional(),
  /**
   * The footer: a line of text and links. Default: "<title> · built with Labkit".
   * @example { text: "© 2026 Acme Inc.", links: [{ label: "Privacy", href: "https://acme.dev/privacy" }] }
   */
  footer: z.strictObject({
    /** The footer text. @example "© 2026 Acme Inc." */
    text: z.string().optional(),
    /** Footer links. */
    links: z.array(link).optional(),
  }).optional(),
  /**
   * Social links, shown in the footer and the phone menu.
   * @example [{ kind: "github", href: "https://github.com/acme" }]
   */
  social: z.array(z.strictObject({
    /** Which service (names the link for screen readers). @example "github" */
    kind: z.enum(SOCIAL_KINDS),
    /** Profile URL. @example "https://github.com/acme" */
    href,
    /** Link text; default: the service's name. @example "Acme on GitHub" */
    label: z.string().optional(),
  })).optional(),
  /**
   * Language of the site (`<html lang>`), a BCP 47 tag. @example "de"
   */
  lang: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'expected a BCP 47 language tag such as "en" or "pt-BR"').optional(),
  /**
   * The site's own words (menus, buttons, labels), by key; see the table in docs/site.md. Keys left out stay English.
   * @example { menu: "Menü", search: "Suchen", courseContents: "Kursinhalt" }
   */
  strings: z.strictObject(Object.fromEntries(Object.keys(UI_STRINGS).map((k) => [k, z.string().optional()])) as { [K in keyof typeof UI_STRINGS]: z.ZodOptional<z.ZodString> }).optional(),
});

/** What an author writes in the `site` block. */
export type SiteUserConfig = z.input<typeof siteUserConfigSchema>;
