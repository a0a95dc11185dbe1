import type { App, Environment } from '../../api/types';
import { whyNotAdmin } from '../../utils/roles';
import { PreviewCard } from './PreviewCard';
import { PREVIEWS_FIELD_ID, PreviewsSetting } from './PreviewsSetting';
import type { PreviewEnvironment } from './rules';

interface Props {
  app: App;
  pipeline: Environment[];
  previews: PreviewEnvironment[];
}

/** The pull requests' previews, apart from the pipeline, and for admins the switch. */
export function PreviewsSection({ app, pipeline, previews }: Props) {
  const admin = !whyNotAdmin(app.yourRole);
  return (
    <section className="previews" aria-labelledby="previews-heading">
      <h2 id="previews-heading">Pull-request previews</h2>
      {app.previewsFrom ? (
        <p className="muted">
          Each open pull request gets a preview made from <strong>{app.previewsFrom}</strong>.
          {previews.length === 0 ? ' No pull request is open.' : ''}
        </p>
      ) : (
        <p className="muted">
          Pull-request previews are off.{' '}
          {admin ? (
            <>
              <a href={`#${PREVIEWS_FIELD_ID}`}>Turn them on below</a>.
            </>
          ) : (
            `An admin of ${app.name} can turn them on.`
          )}
        </p>
      )}
      {/* Turning previews off removes none of those already made: they are listed whatever the switch says. */}
      {previews.length > 0 ? (
        <ul className="preview-list" aria-label="Previews">
          {previews.map((env) => (
            <PreviewCard key={env.name} app={app} env={env} />
          ))}
        </ul>
      ) : null}
      {admin ? <PreviewsSetting app={app} pipeline={pipeline} /> : null}
    </section>
  );
}
