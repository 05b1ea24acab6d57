import { join } from 'node:path';
import express, { type RequestHandler } from 'express';

/** swagger-ui's files, served from the installed npm package: the page needs no CDN. */
export const DOCS_ASSETS_PATH = '/docs/assets';

export function docsAssets(): RequestHandler {
  const dir = join(require.resolve('swagger-ui-dist/package.json'), '..');
  const router = express.Router();
  router.get('/init.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'public, max-age=300').send(INIT_SCRIPT);
  });
  router.use(express.static(dir, { index: false, fallthrough: true, maxAge: '1h' }));
  return router;
}

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Gatehouse API reference</title>
    <link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_ASSETS_PATH}/init.js"></script>
  </body>
</html>
`;
