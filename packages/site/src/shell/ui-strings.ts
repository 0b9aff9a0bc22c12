/**
 * Every word the site itself shows (not the content's), in one table:
 * `lab.config.ts` → `site.strings` overrides any of them, `site.lang` sets
 * `<html lang>`. The client islands get the few they need through a JSON
 * block in the page.
 */
export const UI_STRINGS = {
  skipToContent: 'Skip to content',
  menu: 'Menu',
  siteNav: 'Site',
  search: 'Search',
  searchSite: 'Search the site',
  searchPlaceholder: 'Search tutorials, challenges, courses…',
  searchNeedsJs: 'Search needs JavaScript.',
  toggleTheme: 'Toggle dark mode',
  tutorials: 'Tutorials',
  challenges: 'Challenges',
  skillPaths: 'Skill paths',
  courses: 'Courses',
  tutorial: 'Tutorial',
  challenge: 'Challenge',
  skillPath: 'Skill path',
  course: 'Course',
  catalog: 'Catalog',
  heroEyebrow: 'Hands-on labs',
  heroLede: 'Learn by doing: tutorials, challenges, skill paths and courses with real tasks.',
  filterKind: 'Kind',
  filterCategory: 'Category',
  filterDifficulty: 'Difficulty',
  filterTag: 'Tag',
  filterAll: 'All',
  filter: 'Filter',
  noMatches: 'No items match these filters.',
  nothingYet: 'Nothing here yet.',
  browseByTag: 'Browse by tag',
  onThisPage: 'On this page',
  units: 'Units',
  updated: 'Updated',
  markCompleted: 'Mark as completed',
  markLessonDone: 'Mark lesson as done',
  completed: 'Completed',
  startCourse: 'Start the course →',
  syllabus: 'Syllabus',
  courseContents: 'Course contents',
  previous: 'Previous',
  next: 'Next',
  lessons: 'lessons',
  tasks: 'tasks',
  task: 'task',
  spoiler: 'spoiler',
  notFound: 'Page not found',
  backToCatalog: 'Back to the catalog',
  builtWith: 'built with Labkit',
  copy: 'Copy',
  copied: 'Copied',
  answerSaved: 'Answer saved: it is checked when the playground runs',
  previewBanner: 'Preview build: unknown components are flagged.',
  moved: 'This page moved to',
  tag: 'Tag',
  category: 'Category',
  item: 'item',
  items: 'items',
} as const;

export type UiStrings = { -readonly [K in keyof typeof UI_STRINGS]: string };

/** The strings the client islands read (kept short: they ship in every page). */
export const ISLAND_STRINGS = ['completed', 'copy', 'copied', 'answerSaved', 'tasks', 'lessons'] as const satisfies ReadonlyArray<keyof UiStrings>;
