// Lint is where the architecture is enforced: Nx module boundaries (scope and
// type tags, see STYLE.md) and the rule that pure libs never reach for I/O.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const ioPackages = ['pg', 'kafkajs', '@nestjs/*', 'pino', 'node:fs', 'fs', 'node:net', 'node:http', 'node:http2'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '.infra/**', '.nx/**', 'tmp/**', 'data/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:checkin', onlyDependOnLibsWithTags: ['scope:checkin', 'scope:shared'] },
            { sourceTag: 'scope:commands', onlyDependOnLibsWithTags: ['scope:commands', 'scope:shared'] },
            { sourceTag: 'scope:push', onlyDependOnLibsWithTags: ['scope:push', 'scope:shared'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:api', 'scope:shared'] },
            { sourceTag: 'scope:webhook', onlyDependOnLibsWithTags: ['scope:webhook', 'scope:shared'] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:contract', 'type:util'],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: ['type:domain', 'type:data-access', 'type:contract', 'type:util'],
            },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:contract', 'type:util'],
              bannedExternalImports: ioPackages,
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:contract', 'type:util'],
            },
            {
              sourceTag: 'type:contract',
              onlyDependOnLibsWithTags: ['type:contract', 'type:util'],
              bannedExternalImports: ioPackages,
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
          ],
        },
      ],
    },
  },
];
