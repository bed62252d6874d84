import { GuestSearch } from '@/components/vm/guest-search';

export default function DatacenterGuestsPage() {
  return <GuestSearch />;
}
