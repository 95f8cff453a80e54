/** Order side; a buy adds to the signed position, a sell subtracts. */
export type Side = 'Buy' | 'Sell';

export const sideSign = (side: Side): 1 | -1 => (side === 'Buy' ? 1 : -1);
export const opposite = (side: Side): Side => (side === 'Buy' ? 'Sell' : 'Buy');
