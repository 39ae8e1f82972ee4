/**
 * `pocdojo`: join a POC Dojo from your own editor.
 *
 *   pocdojo login --server https://dojo.example.com   email and password; the session is kept (0600)
 *   pocdojo login --server … --sso [--email a@b.c]     the team's company sign-in in the system browser
 *   pocdojo dojos                                      the dojos you may join
 *   pocdojo join <invitation link | dojo id> [folder]  mirrors the dojo into the folder until Ctrl-C
 *   pocdojo logout
 */
import { Command } from 'commander';
import open from 'open';
import { readCliEnvironment } from './cli-environment.ts';
import { logInWithCompany } from './company-login.ts';
import { CredentialStore } from './credentials.ts';
import { parseDojoTarget } from './dojo-target.ts';
import { JoinedDojo } from './joined-dojo.ts';
import { logIn, signInMethodsFor, serverOrigin, type LoginOutcome } from './login.ts';
import { ask } from './prompts.ts';
import { RoomTerminal } from './room-terminal.ts';
import { explain, signedInApi } from './signed-in-api.ts';

const say = (text: string) => process.stdout.write(`${text}\n`);
const store = new CredentialStore(readCliEnvironment().configFolder);
const program = new Command('pocdojo').description('Join a POC Dojo from your own editor').showHelpAfterError();

program
  .command('login')
  .description(
    'sign in with your email and password, or your company sign-in in the browser ' +
      '(kept in your configuration folder, readable by you only)',
  )
  .requiredOption('--server <url>', 'the dojo server, e.g. https://dojo.example.com')
  .option('--email <address>', 'your email address (asked when missing)')
  .option('--team <slug>', 'the team to sign in to, when your password opens several (or for --sso)')
  .option('--sso', "sign in through your team's company sign-in, in the system browser")
  .option('--no-browser', 'print the company sign-in address to open yourself instead of opening a browser')
  .action(async (options: { server: string; email?: string; team?: string; sso?: boolean; browser: boolean }) => {
    const server = serverOrigin(options.server);
    const company = (account: { email: string } | { team: string }) =>
      logInWithCompany(store, {
        server,
        account,
        say,
        ...(options.browser && { openBrowser: async (url: string) => void (await open(url)) }),
      });
    let outcome: LoginOutcome;
    if (options.sso) {
      outcome = await company(
        options.team && !options.email ? { team: options.team } : { email: options.email ?? (await ask('Email: ')) },
      );
    } else {
      const email = options.email ?? (await ask('Email: '));
      const methods = await signInMethodsFor(server, email);
      // A team that turned passwords off leaves nothing to choose; otherwise the person may decline.
      const offered =
        methods.company &&
        (!methods.password ||
          !/^n/i.test(
            await ask(`${methods.company.name} signs you in with its company sign-in. Continue in the browser? [Y/n] `),
          ));
      outcome = offered
        ? await company({ email })
        : await logIn(store, {
            server,
            email,
            password: await ask('Password: ', { hidden: true }),
            ...(options.team ? { team: options.team } : {}),
          });
    }
    if (outcome.kind === 'refused') throw new Error(outcome.message);
    if (outcome.kind === 'chooseTeam') {
      const teams = outcome.teams.map((choice) => `  ${choice.slug}  (${choice.name})`).join('\n');
      throw new Error(`your password opens several teams; choose one with --team:\n${teams}`);
    }
    say(`Logged in to ${server} as ${outcome.user.displayName}, team ${outcome.team.name}.`);
  });

program
  .command('logout')
  .description('sign out and forget the stored session')
  .action(async () => {
    const { api, flushed } = await signedInApi(store);
    await api.logout();
    await flushed();
    await store.remove();
    say('Logged out.');
  });

program
  .command('dojos')
  .description('list the dojos you may join')
  .action(async () => {
    const { api, server, flushed } = await signedInApi(store);
    const page = await api.listDojos({ limit: 100 });
    await flushed();
    if (!page.ok) throw new Error(explain(page.error, server));
    if (page.value.items.length === 0) say('No dojos yet.');
    for (const dojo of page.value.items)
      say(`${dojo.id}  ${dojo.title ?? '(untitled)'}  ${dojo.format ?? ''} ${dojo.language ?? ''}`.trimEnd());
  });

program
  .command('join')
  .description('mirror a dojo into a folder and keep both in sync until Ctrl-C')
  .argument('<dojo>', 'an invitation link (https://…/#/dojos/<id>?tenant=<team>) or a dojo id')
  .argument('[folder]', 'the folder to mirror into: new, empty, or an earlier mirror of the same dojo')
  .action(async (dojo: string, folder: string | undefined) => {
    const target = parseDojoTarget(dojo);
    const { api, server, credentials, flushed } = await signedInApi(store);
    if (target.server && target.server !== server)
      throw new Error(
        `this invitation is for ${target.server}; log in there first: pocdojo login --server ${target.server}`,
      );
    if (target.team && target.team !== credentials.session.tenant.slug)
      throw new Error(
        `this invitation is for the team "${target.team}"; you are logged in to "${credentials.session.tenant.slug}": ` +
          `pocdojo login --server ${server} --team ${target.team}`,
      );
    const terminal = new RoomTerminal();
    const joined = await JoinedDojo.open({
      api,
      server,
      dojoId: target.dojoId,
      folder: folder ?? `dojo-${target.dojoId.slice(0, 8)}`,
      say: terminal.say,
    });
    await terminal.run(joined);
    const clean = await joined.close();
    await flushed();
    say(
      clean
        ? 'Left the dojo; the folder holds the last synced files.'
        : 'Left with changes the server has not confirmed.',
    );
    process.exit(0);
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`pocdojo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
