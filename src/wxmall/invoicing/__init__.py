"""Electronic invoices (电子发票): titles, requests, issuing through the invoicing platform and the WeChat
card package, red-letter reversals (红冲), the invoice desk."""
