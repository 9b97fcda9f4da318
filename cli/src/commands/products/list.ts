import type { ProductList } from '@kikuai/sdk';
import { BaseCommand } from '../../base-command.js';
import { renderProductTable } from '../../services/product-view.js';

export default class ProductsList extends BaseCommand<typeof ProductsList> {
  static override summary = 'List the products you can call, with their prices.';
  static override examples = ['<%= config.bin %> products list'];

  async run(): Promise<ProductList> {
    const products = await (await this.publicClient()).products.list();
    this.log(renderProductTable(products.data, this.stdoutPaint));
    return products;
  }
}
