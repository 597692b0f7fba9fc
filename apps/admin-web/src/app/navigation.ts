import {
  IconAdjustments,
  IconCoin,
  IconDeviceLaptop,
  IconFolders,
  IconHome,
  IconListDetails,
  IconPlugConnected,
  IconShieldLock,
  IconUserPlus,
  IconUsersGroup,
  type Icon,
} from '@tabler/icons-react';
import type { Area } from '../lib/permissions';

export interface NavItem {
  to:
    | '/'
    | '/people'
    | '/provisioning'
    | '/roles'
    | '/connectors'
    | '/folders'
    | '/spend'
    | '/endpoints'
    | '/audit'
    | '/settings';
  label: string;
  icon: Icon;
  area: Area;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'Overview', icon: IconHome, area: 'overview' },
  { to: '/people', label: 'People & groups', icon: IconUsersGroup, area: 'people' },
  { to: '/provisioning', label: 'Provisioning', icon: IconUserPlus, area: 'people' },
  { to: '/roles', label: 'Roles', icon: IconShieldLock, area: 'roles' },
  { to: '/connectors', label: 'Connectors', icon: IconPlugConnected, area: 'connectors' },
  { to: '/folders', label: 'Folders', icon: IconFolders, area: 'folders' },
  { to: '/spend', label: 'Spend', icon: IconCoin, area: 'spend' },
  { to: '/endpoints', label: 'Endpoints & rollout', icon: IconDeviceLaptop, area: 'endpoints' },
  { to: '/audit', label: 'Audit', icon: IconListDetails, area: 'audit' },
  { to: '/settings', label: 'Settings', icon: IconAdjustments, area: 'settings' },
];
