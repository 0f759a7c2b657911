import type { AllEntities } from 'n8n-workflow';

type NodeMap = {
	event: 'reconcile' | 'getMany';
	ledger: 'getStats' | 'forget' | 'markDone' | 'getFailed';
	order: 'get';
};

export type PosType = AllEntities<NodeMap>;
