// A Node.js twin of one Trellis function's cold start, run through the same minimal Runtime
// API harness as the Rust bootstraps: load and build the AWS SDK clients the function uses
// (TWIN_CLIENTS, from the function manifest), read the configuration it reads, then poll for
// the first invocation. What a hand-written Node.js function for the same route would do
// before its first request.
import http from 'node:http';

const wanted = (process.env.TWIN_CLIENTS ?? '').split(',').filter(Boolean);
const region = process.env.AWS_REGION;
const endpoint = process.env.AWS_ENDPOINT_URL;
const clients = {};
for (const name of wanted) {
  switch (name) {
    case 'dynamodb': {
      const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
      const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
      clients.dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ region, endpoint }));
      break;
    }
    case 'secretsmanager': {
      const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      clients.secretsmanager = new SecretsManagerClient({ region, endpoint });
      break;
    }
    case 'ecs': {
      const { ECSClient } = await import('@aws-sdk/client-ecs');
      clients.ecs = new ECSClient({ region, endpoint });
      break;
    }
    case 's3': {
      const { S3Client } = await import('@aws-sdk/client-s3');
      await import('@aws-sdk/s3-request-presigner');
      clients.s3 = new S3Client({ region, endpoint, forcePathStyle: true });
      break;
    }
    case 'apigatewaymanagement': {
      const { ApiGatewayManagementApiClient } = await import('@aws-sdk/client-apigatewaymanagementapi');
      clients.apigatewaymanagement = new ApiGatewayManagementApiClient({ region, endpoint: process.env.TRELLIS_WS_ENDPOINT });
      break;
    }
    default:
      throw new Error(`unknown client ${name}`);
  }
}
const config = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TRELLIS_')));
if (!config.TRELLIS_TABLE) throw new Error('TRELLIS_TABLE is not set');

http.get(`http://${process.env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next`, (res) => {
  res.resume();
});
