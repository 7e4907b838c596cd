import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { expect, test } from 'vitest';
import { StudioError } from '../../electron/shared/studio-api.ts';
import FilterBox from '../src/components/FilterBox.vue';
import { applyCompletion, filterCompletion } from '../src/lib/filter-completion.ts';
import { filterErrorView } from '../src/lib/filter-error.ts';
import { useConnectionStore } from '../src/stores/connection.ts';
import { useTrafficStore } from '../src/stores/traffic.ts';
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

test('a refused filter clears the old result: the view shows nothing until the filter is fixed', async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({
    setFilter: (i: { expression: string }) => {
      if (i.expression === 'kind == configur')
        throw new StudioError({
          code: 'EFILTER',
          message: 'x',
          filter: { expression: i.expression, position: 8, message: '"configur" is not one of the message kinds' },
        });
      return { view: 'f1', total: 12, ms: 0.2 };
    },
  });
  await useConnectionStore().attach(fake.api);
  const traffic = useTrafficStore();
  await traffic.applyFilter('kind == configure');
  expect(traffic.total).toBe(12);
  await traffic.applyFilter('kind == configur');
  expect([traffic.total, traffic.filterError?.position]).toEqual([0, 8]);
  await traffic.applyFilter('kind == configure');
  expect([traffic.total, traffic.filterError]).toEqual([12, undefined]);
});

const WORDS = {
  fields: ['type', 'id', 'kind', 'direction', 'data.sensor', 'data.acceleration.x', 'data.aux_mv[0]'],
  values: { kind: ['get_info', 'configure', 'configured'], 'data.sensor': ['temperature', 'humidity'] },
};

test('completion offers header fields and data. paths where a field starts, enum names after FIELD ==', () => {
  expect(filterCompletion('ty', 2, WORDS)).toEqual({ from: 0, options: ['type'] });
  expect(filterCompletion('id > 1 && data.a', 16, WORDS)).toEqual({
    from: 10,
    options: ['data.acceleration.x', 'data.aux_mv[0]'],
  });
  expect(filterCompletion('kind == conf', 12, WORDS)).toEqual({ from: 8, options: ['configure', 'configured'] });
  expect(filterCompletion('data.sensor != ', 15, WORDS)).toEqual({ from: 15, options: ['temperature', 'humidity'] });
  expect(filterCompletion('target == "de', 13, WORDS)).toBeUndefined();
  expect(applyCompletion('kind == conf && id', 12, 8, 'configure')).toEqual({
    text: 'kind == configure && id',
    cursor: 17,
  });
});

test('the filter box lists the completions as you type; Tab takes the chosen one', async () => {
  setActivePinia(createPinia());
  const fake = fakeApi({ filterWords: () => WORDS });
  await useConnectionStore().attach(fake.api);
  const w = mount(FilterBox, { attachTo: document.body });
  const input = w.find('input');
  await input.trigger('focus');
  await flush();
  await input.setValue('kind == c');
  expect(w.findAll('[data-test=filter-completion] li').map((li) => li.text())).toEqual(['configure', 'configured']);
  await input.trigger('keydown', { key: 'ArrowDown' });
  await input.trigger('keydown', { key: 'Tab' });
  expect((input.element as HTMLInputElement).value).toBe('kind == configured');
  expect(w.find('[data-test=filter-completion]').exists()).toBe(false);
  w.unmount();
});
