// n8n reads package.json's "n8n" field; nothing to export here.
