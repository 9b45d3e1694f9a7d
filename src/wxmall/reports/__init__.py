"""Sales reports for the merchant: by period, category, product, payment method and channel; top
products; refunds. Read-only over orders and payments; each table exports as XLSX."""
