import { router } from '../../trpc';
import { create } from './create';
import { deliveries } from './deliveries';
import { list } from './list';
import { remove } from './remove';
import { test } from './test';
import { update } from './update';

export const webhooksRouter = router({ list, create, update, delete: remove, test, deliveries });
