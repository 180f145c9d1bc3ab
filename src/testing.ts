// `import { checkBalancer } from 'fulcrum/testing'`: the contract every balancing algorithm passes,
// for users to run on theirs.
export { balancerProperties, checkBalancer, type BalancerCheckOptions, type BalancerProperty } from './testing/balancer-contract.js';
