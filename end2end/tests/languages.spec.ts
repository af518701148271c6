import { expect, test } from '@playwright/test';
import { DEMO, gotoHydrated, registerMember, tag } from './helpers';

// The reader's language: their browser's (Accept-Language) until they choose
// one. The server's page and the running client speak it alike.
for (const { locale, lang, heading, message, send, chooser, german } of [
  {
    locale: 'fr-FR',
    lang: 'fr',
    heading: 'Démarrer une conversation',
    message: 'Message',
    send: 'Envoyer',
    chooser: 'Langue',
    german: 'Deutsch',
  },
  {
    locale: 'de-DE',
    lang: 'de',
    heading: 'Unterhaltung beginnen',
    message: 'Nachricht',
    send: 'Senden',
    chooser: 'Sprache',
    german: 'Deutsch',
  },
]) {
  test.describe(`in ${locale}`, () => {
    test.use({ locale });

    test(`a conversation starts in ${lang}, and the chosen language is kept`, async ({ page }) => {
      await registerMember(page, `Speaks ${lang}`);
      await gotoHydrated(page, `/conversations/new?to=member:${DEMO.bob.handle}`);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await expect(page.getByRole('heading', { name: heading })).toBeVisible();
      // The envelope's name and the footer come from the same words.
      await expect(page.getByRole('contentinfo')).toContainText(lang === 'fr' ? 'code de conduite' : 'Verhaltenskodex');
      const text = `${lang}: ${tag()}`;
      await page.getByRole('textbox', { name: message, exact: true }).fill(text);
      await page.getByRole('button', { name: send, exact: true }).click();
      await expect(page).toHaveURL(/\/conversations\/\d+$/);
      await expect(page.locator('li.message').filter({ hasText: text })).toBeVisible();

      // The running client opens the start dialog in the same language.
      await gotoHydrated(page, '/conversations');
      const chooserBox = page.getByLabel(chooser, { exact: true });
      await expect(chooserBox.locator('option:checked')).toHaveAttribute('value', lang);

      // Choosing another language: the next page is in it, and stays so.
      await chooserBox.selectOption('es');
      await page.getByRole('button', { name: lang === 'fr' ? 'Changer' : 'Ändern' }).click();
      await expect(page.locator('html')).toHaveAttribute('lang', 'es');
      await expect(page).toHaveURL(/\/conversations$/);
      await gotoHydrated(page, `/conversations/new?to=member:${DEMO.bob.handle}`);
      await expect(page.getByRole('heading', { name: 'Iniciar una conversación' })).toBeVisible();
      await expect(page.getByLabel('Idioma', { exact: true }).locator(`option[lang="de"]`)).toHaveText(german);
    });
  });
}
