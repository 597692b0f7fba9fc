import { Anchor, NavLink, type AnchorProps, type NavLinkProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import type { ComponentPropsWithRef } from 'react';

// Mantine's look with the router's typed `to`, preloading and aria-current.
type AnchorElementProps = Omit<ComponentPropsWithRef<'a'>, keyof AnchorProps | keyof NavLinkProps>;

function MantineAnchor(props: AnchorProps & AnchorElementProps) {
  return <Anchor {...props} />;
}

function MantineNavLink(props: NavLinkProps & AnchorElementProps) {
  return <NavLink component="a" {...props} />;
}

export const TextLink = createLink(MantineAnchor);
export const NavItemLink = createLink(MantineNavLink);
