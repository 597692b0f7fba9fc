import { createTheme, darken, type CSSVariablesResolver } from '@mantine/core';

export const theme = createTheme({
  primaryColor: 'blue',
  // Shade 8 keeps links and filled buttons above 4.5:1 on white; 5 does the same on dark.
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  fontFamily:
    'Inter, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  // Visible focus for keyboard users only, in both themes.
  focusRing: 'auto',
  // No sliding or fading for people who asked their system for less motion.
  respectReducedMotion: true,
  // Links in text must not rely on colour alone.
  components: { Anchor: { defaultProps: { underline: 'always' } } },
});

// Mantine's default greys and tints fall under 4.5:1 on white; keep text readable (WCAG AA).
export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': t.colors.gray[7],
    // Text on "light" variants (active navigation, badges) sits on a tinted background.
    '--mantine-primary-color-light-color': t.colors.blue[9],
    '--mantine-color-blue-light-color': t.colors.blue[9],
    // Status badges and alerts (approved, active, not configured, chain verified) are light
    // variants too. Even shade 9 of green and yellow stays under 4.5:1 on their own tint (about
    // 4:1 and 3:1), so the text is a darker mix of it.
    ...Object.fromEntries(
      ['green', 'yellow', 'orange', 'red', 'gray'].map((color) => [
        `--mantine-color-${color}-light-color`,
        darken(t.colors[color][9], 0.3),
      ]),
    ),
    // Field errors (message and input text): Mantine's red 6 is 3.3:1 on white.
    '--mantine-color-error': t.colors.red[9],
  },
  dark: {
    '--mantine-color-dimmed': t.colors.dark[1],
    // Filled buttons use shade 8 (white text at 4.5:1); links on the dark body need a lighter one.
    '--mantine-color-anchor': t.colors.blue[4],
    // Mantine's red 8 is 3.4:1 on the dark body and less on dark inputs; red 4 is above 5.8:1.
    '--mantine-color-error': t.colors.red[4],
  },
});
