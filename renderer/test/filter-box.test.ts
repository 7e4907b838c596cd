import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import { StudioError } from '../../electron/shared/studio-api.ts';
import FilterBox from '../src/components/FilterBox.vue';
import { filterErrorView } from '../src/lib/filter-error.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { fakeApi } from './fake-api.ts';

const flush = () => new Promise((r) => setTimeout(r, 0));

test('the caret view splits the expression at the reported position', () => {
  expect(filterErrorView({ expression: 'type == 1 && && id', position: 13, message: 'm' })).toMatchObject({
    before: 'type == 1 && ',
    at: '&',
    after: '& id',
  });
  expect(filterErrorView({ expression: 'type ==', position: 7, message: 'm' })).toMatchObject({
    before: 'type ==',
    at: ' ',
    after: '',
  });
});

test("the filter box shows a bad expression's error at its position, and clears it once fixed", async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({
    setFilter: (i: { expression: string }) => {
      if (i.expression === 'id >')
        throw new StudioError({
          code: 'EFILTER',
          message: 'x',
          filter: { expression: 'id >', position: 4, message: 'expected a field, a number or a string, found the end' },
        });
      return { view: 'v2', total: 1, ms: 0.2 };
    },
  });
  await useConnectionStore().attach(fake.api);
  const w = mount(FilterBox);
  await w.find('input').setValue('id >');
  await w.find('form').trigger('submit');
  await flush();
  expect(w.find('[data-test=filter-error]').text()).toContain(
    'Position 4: expected a field, a number or a string, found the end',
  );
  expect(w.find('[data-test=filter-error-at]').text()).toBe('');
  expect(w.find('.expr').text()).toBe('id >');
  await w.find('input').setValue('id > 1');
  await w.find('form').trigger('submit');
  await flush();
  expect(w.find('[data-test=filter-error]').exists()).toBe(false);
  expect(fake.calls.filter((c) => c.call === 'setFilter').map((c) => c.input)).toEqual([
    { expression: 'id >' },
    { expression: 'id > 1' },
  ]);
});
