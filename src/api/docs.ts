import { join } from 'node:path';
import express, { type RequestHandler } from 'express';

/** swagger-ui's files, served from the installed npm package: the page needs no CDN. */
export const DOCS_ASSETS_PATH = '/docs/assets';

/**
 * The package's files that the page loads, and no other: the package also
 * holds pages of its own (index.html, oauth2-redirect.html), other bundles
 * and source maps, none of which this service means to publish.
 */
const PACKAGE_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

export function docsAssets(): RequestHandler {
  const dir = join(require.resolve('swagger-ui-dist/package.json'), '..');
  const router = express.Router();
  router.get('/init.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=300').send(INIT_SCRIPT);
  });
  for (const file of PACKAGE_FILES) {
    const path = join(dir, file);
    router.get(`/${file}`, (_req, res) => res.sendFile(path, { maxAge: '1h' }));
  }
  return router;
}

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Gatehouse API reference</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/${PACKAGE_FILES[0]}">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS_PATH}/${PACKAGE_FILES[1]}"></script>
    <script src="${DOCS_ASSETS_PATH}/init.js"></script>
  </body>
</html>
`;
