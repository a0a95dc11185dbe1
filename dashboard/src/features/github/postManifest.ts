import type { GithubManifest } from '../../api/types';

/** GitHub's manifest flow starts with a form post from the browser (not an API call): build
 * the form GitHub expects and submit it, leaving for GitHub. */
export function postManifest({ postUrl, manifest }: GithubManifest, doc: Document = document): HTMLFormElement {
  const form = doc.createElement('form');
  form.method = 'post';
  form.action = postUrl;
  const field = doc.createElement('input');
  field.type = 'hidden';
  field.name = 'manifest';
  field.value = JSON.stringify(manifest);
  form.append(field);
  doc.body.append(form);
  form.submit();
  return form;
}
