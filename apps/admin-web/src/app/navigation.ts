import {
  IconAdjustments,
  IconCoin,
  IconDeviceLaptop,
  IconFolders,
  IconHome,
  IconListDetails,
  IconPlugConnected,
  IconShieldLock,
  IconUsersGroup,
  type Icon,
} from '@tabler/icons-react';

export interface NavItem {
  to:
    | '/'
    | '/people'
    | '/roles'
    | '/connectors'
    | '/folders'
    | '/spend'
    | '/endpoints'
    | '/audit'
    | '/settings';
  label: string;
  icon: Icon;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'Overview', icon: IconHome },
  { to: '/people', label: 'People & groups', icon: IconUsersGroup },
  { to: '/roles', label: 'Roles', icon: IconShieldLock },
  { to: '/connectors', label: 'Connectors', icon: IconPlugConnected },
  { to: '/folders', label: 'Folders', icon: IconFolders },
  { to: '/spend', label: 'Spend', icon: IconCoin },
  { to: '/endpoints', label: 'Endpoints & rollout', icon: IconDeviceLaptop },
  { to: '/audit', label: 'Audit', icon: IconListDetails },
  { to: '/settings', label: 'Settings', icon: IconAdjustments },
];
