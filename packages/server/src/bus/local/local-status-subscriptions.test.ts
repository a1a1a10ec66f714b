import { statusSubscriptionContract } from '../../../test/support/status-subscription-contract.js';
import { localStatusSubscriptions } from './local-status-subscriptions.js';

statusSubscriptionContract('in-process', localStatusSubscriptions);
