// Confluent's own JavaScript Avro serde against wxfunnel's registry and broker.
//
//   node interop.js produce <bootstrap> <registry-url> <topic>   < {"schema": "...", "records": [...]}
//     registers the schema under <topic>-value through the registry's REST API, then writes each
//     record with Confluent's AvroSerializer and kafkajs.
//   node interop.js consume <bootstrap> <registry-url> <topic> <count>
//     reads <count> records from the start of <topic> with Confluent's AvroDeserializer and prints
//     each value as one JSON line.
'use strict';

const { Kafka, logLevel } = require('kafkajs');
const {
  SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType,
} = require('@confluentinc/schemaregistry');

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function produce(kafka, registry, topic) {
  const input = await readStdin();
  await registry.register(`${topic}-value`, { schemaType: 'AVRO', schema: input.schema });
  const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true, autoRegisterSchemas: false });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (const record of input.records) {
    messages.push({ key: record.event_id, value: await serializer.serialize(topic, record) });
  }
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
  console.log(JSON.stringify({ produced: messages.length }));
}

async function consume(kafka, registry, topic, count) {
  const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
  const consumer = kafka.consumer({ groupId: `interop-${topic}-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        try {
          const value = await deserializer.deserialize(topic, message.value);
          process.stdout.write(JSON.stringify(value) + '\n');
          if (++seen >= count) resolve();
        } catch (e) {
          reject(e);
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
}

async function main() {
  const [command, bootstrap, registryUrl, topic, count] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'wxfunnel-interop', brokers: [bootstrap], logLevel: logLevel.ERROR });
  const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  if (command === 'produce') {
    await produce(kafka, registry, topic);
  } else if (command === 'consume') {
    await consume(kafka, registry, topic, Number(count));
  } else {
    throw new Error(`unknown command ${command}: use produce or consume`);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error(`interop.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
