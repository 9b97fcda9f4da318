import type { Product } from '@kikuai/sdk';
import { Args } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { renderProductDetails } from '../../services/product-view.js';

export default class ProductsShow extends BaseCommand<typeof ProductsShow> {
  static override summary = "Show a product's page: each endpoint's URL and price, the limits, and a curl, SDK and CLI example of each call.";
  static override args = { product: Args.string({ description: 'The product id, e.g. reliapi.', required: true }) };
  static override examples = ['<%= config.bin %> products show reliapi'];

  async run(): Promise<Product> {
    const product = await (await this.publicClient()).products.get(this.args.product);
    this.log(renderProductDetails(product, this.stdoutPaint));
    return product;
  }
}
